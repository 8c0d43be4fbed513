// The base of a repository of one entity: its TypeORM repository in a transaction's manager, or the pool's.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

/** `class UsersRepository extends EntityRepository(UserEntity) { ... }`: `this.repo(m)` and `this.ds`. */
export function EntityRepository<E extends ObjectLiteral>(entity: EntityTarget<E>) {
  @Injectable()
  class EntityRepositoryBase {
    constructor(@InjectDataSource() protected readonly ds: DataSource) {}

    /** The entity's repository in `m`'s transaction, or on the pool. */
    protected repo(m?: EntityManager): Repository<E> {
      return (m ?? this.ds.manager).getRepository(entity);
    }
  }
  return EntityRepositoryBase;
}
