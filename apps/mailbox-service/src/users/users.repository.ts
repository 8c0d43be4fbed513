// User rows, always scoped by account.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ListQuery, Page } from '@voxmail/contracts';
import { documentColumns, EntityRepository, keysetPage } from '@voxmail/persistence';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersRepository extends EntityRepository(UserEntity) {
  find(accountId: string, id: string, m?: EntityManager): Promise<UserEntity | null> {
    return this.repo(m).findOne({ where: { accountId, id } });
  }

  lock(accountId: string, id: string, m: EntityManager): Promise<UserEntity | null> {
    return this.repo(m).findOne({ where: { accountId, id }, lock: { mode: 'pessimistic_write' } });
  }

  findBySipId(accountId: string, sipId: number): Promise<UserEntity | null> {
    return this.repo().findOne({ where: { accountId, sipId } });
  }

  findByUsername(accountIds: string[], usernameLower: string): Promise<UserEntity[]> {
    if (!accountIds.length) return Promise.resolve([]);
    return this.repo()
      .createQueryBuilder('u')
      .where('u.account_id IN (:...accountIds) AND u.username_lower = :usernameLower', {
        accountIds,
        usernameLower,
      })
      .getMany();
  }

  findByCredentialsLookup(accountIds: string[], lookup: string): Promise<UserEntity[]> {
    if (!accountIds.length) return Promise.resolve([]);
    return this.repo()
      .createQueryBuilder('u')
      .where('u.account_id IN (:...accountIds) AND u.credentials_lookup = :lookup', { accountIds, lookup })
      .getMany();
  }

  async usernameTaken(
    accountId: string,
    usernameLower: string,
    exceptId: string | null,
    m: EntityManager,
  ): Promise<boolean> {
    const qb = this.repo(m)
      .createQueryBuilder('u')
      .where('u.account_id = :accountId AND u.username_lower = :usernameLower', { accountId, usernameLower });
    if (exceptId) qb.andWhere('u.id <> :exceptId', { exceptId });
    return qb.getExists();
  }

  save(m: EntityManager, u: Partial<UserEntity>): Promise<UserEntity> {
    return this.repo(m).save(this.repo(m).create(u));
  }

  remove(m: EntityManager, u: UserEntity): Promise<unknown> {
    return this.repo(m).delete({ accountId: u.accountId, id: u.id });
  }

  list(accountId: string, query: ListQuery, onlyId?: string): Promise<Page<UserEntity>> {
    const qb = this.repo().createQueryBuilder('u').where('u.account_id = :accountId', { accountId });
    if (onlyId) qb.andWhere('u.id = :onlyId', { onlyId });
    return keysetPage(qb, query, documentColumns('u'));
  }
}
