// API client rows, always scoped by account (or found by id and secret hash, for authentication).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ListQuery, Page } from '@voxmail/contracts';
import { documentColumns, EntityRepository, keysetPage } from '@voxmail/persistence';
import { ApiClientEntity } from './api-client.entity';

@Injectable()
export class ApiClientsRepository extends EntityRepository(ApiClientEntity) {
  /** Inserts a client and reads it back (with the database's created_at and seq). */
  async insert(
    m: EntityManager,
    fields: Omit<ApiClientEntity, 'createdAt' | 'seq'>,
  ): Promise<ApiClientEntity> {
    const c = await this.repo(m).save(this.repo(m).create(fields));
    return this.repo(m).findOneByOrFail({ id: c.id, accountId: fields.accountId });
  }

  lock(accountId: string, id: string, m: EntityManager): Promise<ApiClientEntity | null> {
    return this.repo(m).findOne({ where: { id, accountId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The clients a user owns, locked (in id order, so two revocations of one user never deadlock). */
  lockOwnedBy(m: EntityManager, accountId: string, ownerId: string): Promise<ApiClientEntity[]> {
    return this.repo(m).find({
      where: { accountId, ownerId },
      order: { id: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async remove(m: EntityManager, accountId: string, id: string): Promise<void> {
    await this.repo(m).delete({ id, accountId });
  }

  list(accountId: string, query: ListQuery): Promise<Page<ApiClientEntity>> {
    const qb = this.repo().createQueryBuilder('c').where('c.account_id = :accountId', { accountId });
    return keysetPage(
      qb,
      { ...query, filters: [] },
      documentColumns('c', {
        docColumn: "jsonb_build_object('name', c.name, 'priv_level', c.priv_level)",
        modifiedColumn: 'c.created_at',
      }),
    );
  }

  find(accountId: string, id: string): Promise<ApiClientEntity | null> {
    return this.repo().findOne({ where: { id, accountId } });
  }

  findByOnlySecretHash(secretHash: string): Promise<ApiClientEntity | null> {
    return this.repo().findOne({ where: { secretHash } });
  }

  findBySecretHash(id: string, secretHash: string): Promise<ApiClientEntity | null> {
    return this.repo().findOne({ where: { id, secretHash } });
  }
}
