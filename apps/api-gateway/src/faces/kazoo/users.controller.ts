// Kazoo crossbar users of an account.
import { Commands, UserSchema } from '@voxmail/contracts';
import { KazooController } from './kazoo.controller';
import { KazooDocuments } from './documents.controller';

@KazooController('accounts/:accountId/users')
export class UsersController extends KazooDocuments({
  idParam: 'userId',
  schema: UserSchema,
  list: Commands.UserList,
  create: Commands.UserCreate,
  get: Commands.UserGet,
  update: Commands.UserUpdate,
  delete: Commands.UserDelete,
}) {}
