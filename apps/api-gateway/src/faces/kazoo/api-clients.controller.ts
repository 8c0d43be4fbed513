// Voxmail's API clients of an account (under the Kazoo face): created and revoked, never changed.
import { Patch, Post, Put } from '@nestjs/common';
import { ApiClientSchema, Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { Responds } from '../../common/openapi-meta';
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
  @Responds({ errors: [405] })
  post(): never {
    throw clientImmutable();
  }

  @Patch(':clientId')
  @Responds({ errors: [405] })
  override patch(): never {
    throw clientImmutable();
  }

  @Put(':clientId')
  @Responds({ errors: [405] })
  put(): never {
    throw clientImmutable();
  }
}
