// Voxmail's API clients of an account (under the Kazoo face): created and revoked, never changed.
import { Patch, Post, Put } from '@nestjs/common';
import { ApiClientSchema, Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { KazooController } from './kazoo.controller';
import { KazooDocuments } from './documents.controller';

const clientImmutable = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'api clients cannot be changed; delete and create a new one');

@KazooController('accounts/:accountId/api_clients')
export class ApiClientsController extends KazooDocuments({
  idParam: 'clientId',
  schema: ApiClientSchema,
  list: Commands.ApiClientList,
  create: Commands.ApiClientCreate,
  delete: Commands.ApiClientDelete,
}) {
  /** api clients are immutable: revoke and create a new one. */
  @Post(':clientId')
  post(): never {
    throw clientImmutable();
  }

  @Patch(':clientId')
  override patch(): never {
    throw clientImmutable();
  }

  @Put(':clientId')
  put(): never {
    throw clientImmutable();
  }
}
