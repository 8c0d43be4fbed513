// Account rows; every read filters out deleted accounts.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { ListQuery, Page } from '@voxmail/contracts';
import {
  documentColumns,
  EntityRepository,
  getPlainOne,
  keysetPage,
  PlainSelect,
  plainSelect,
  preparedRows,
} from '@voxmail/persistence';
import { AccountEntity } from './account.entity';

@Injectable()
export class AccountsRepository extends EntityRepository(AccountEntity) {
  /** The account read on every request, as a constant SQL string. */
  private readonly activeById: PlainSelect<AccountEntity>;
  private readonly activeByIdSql: { name: string; text: string };

  constructor(@InjectDataSource() ds: DataSource) {
    super(ds);
    this.activeById = plainSelect(ds, AccountEntity, 'a');
    this.activeByIdSql = {
      name: 'mailbox_account_active_by_id',
      text: `SELECT ${this.activeById.columns} FROM mailbox.accounts a WHERE a.id = $1 AND a.deleted_at IS NULL`,
    };
  }

  async findActive(id: string, m?: EntityManager): Promise<AccountEntity | null> {
    const rows = await preparedRows(this.ds, m, this.activeByIdSql, [id]);
    return this.activeById.map(rows)[0] ?? null;
  }

  lockActive(id: string, m: EntityManager): Promise<AccountEntity | null> {
    return getPlainOne(
      this.repo(m)
        .createQueryBuilder('a')
        .setLock('pessimistic_write')
        .where('a.id = :id AND a.deleted_at IS NULL', { id }),
    );
  }

  findOperator(m?: EntityManager): Promise<AccountEntity | null> {
    return this.repo(m).findOne({ where: { isOperator: true } });
  }

  findByApiKeyHash(hash: string): Promise<AccountEntity | null> {
    return getPlainOne(
      this.repo().createQueryBuilder('a').where('a.api_key_hash = :hash AND a.deleted_at IS NULL', { hash }),
    );
  }

  findByNameOrRealm(name: string | undefined, realm: string | undefined): Promise<AccountEntity[]> {
    const qb = this.repo().createQueryBuilder('a').where('a.deleted_at IS NULL');
    if (name) qb.andWhere('a.name_lower = :name', { name: name.toLowerCase() });
    if (realm) qb.andWhere("lower(a.doc->>'realm') = :realm", { realm: realm.toLowerCase() });
    return qb.limit(100).getMany();
  }

  realmTaken(realm: string, exceptId: string | null, m?: EntityManager): Promise<boolean> {
    return this.repo(m)
      .createQueryBuilder('a')
      .where("a.deleted_at IS NULL AND lower(a.doc->>'realm') = :realm", { realm: realm.toLowerCase() })
      .andWhere(exceptId ? 'a.id <> :exceptId' : 'TRUE', { exceptId })
      .getExists();
  }

  hasChildren(id: string, m: EntityManager): Promise<boolean> {
    return this.repo(m)
      .createQueryBuilder('a')
      .where('a.parent_id = :id AND a.deleted_at IS NULL', { id })
      .getExists();
  }

  insert(m: EntityManager, a: Partial<AccountEntity>): Promise<AccountEntity> {
    return this.repo(m).save(this.repo(m).create(a));
  }

  save(m: EntityManager, a: AccountEntity): Promise<AccountEntity> {
    return this.repo(m).save(a);
  }

  listChildren(parentId: string, query: ListQuery): Promise<Page<AccountEntity>> {
    const qb = this.repo()
      .createQueryBuilder('a')
      .where('a.parent_id = :parentId AND a.deleted_at IS NULL', { parentId });
    return this.page(qb, query);
  }

  /** Every account below `ancestorId`, at any depth (the GIN index on `tree`). */
  listDescendants(ancestorId: string, query: ListQuery): Promise<Page<AccountEntity>> {
    const qb = this.repo()
      .createQueryBuilder('a')
      .where('a.tree @> ARRAY[:ancestorId]::text[] AND a.deleted_at IS NULL', { ancestorId });
    return this.page(qb, query);
  }

  private page(qb: SelectQueryBuilder<AccountEntity>, query: ListQuery): Promise<Page<AccountEntity>> {
    return keysetPage(qb, query, documentColumns('a'));
  }
}
