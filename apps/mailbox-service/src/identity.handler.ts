// NATS command handlers of accounts, users, API clients and authentication: the registry validates, then one
// service call.
import { Controller } from '@nestjs/common';
import {
  AccountTreeCommand,
  ApiClientAuthCommand,
  ApiClientSecretAuthCommand,
  ApiKeyAuthCommand,
  Commands,
  CreateDocCommand,
  DocIdCommand,
  ListCommand,
  OnbukaSignCommand,
  RenewApiClientCommand,
  TenantCommand,
  UpdateDocCommand,
  UserAuthCommand,
  VerifyTokenCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { AccountsService } from './accounts/accounts.service';
import { LimitsService } from './accounts/limits.service';
import { UsageProjection } from './accounts/usage.projection';
import { ApiClientsService } from './api-clients/api-clients.service';
import { AuthService } from './auth/auth.service';
import { UsersService } from './users/users.service';

@Controller()
export class AuthHandler {
  constructor(private readonly auth: AuthService) {}

  @HandleCommand(Commands.AuthApiKey)
  apiKey(cmd: ApiKeyAuthCommand) {
    return this.auth.withApiKey(cmd);
  }

  @HandleCommand(Commands.AuthUser)
  user(cmd: UserAuthCommand) {
    return this.auth.withUserCredentials(cmd);
  }

  @HandleCommand(Commands.AuthApiClient)
  apiClient(cmd: ApiClientAuthCommand) {
    return this.auth.withApiClient(cmd);
  }

  @HandleCommand(Commands.AuthRevokeToken)
  revokeToken(cmd: VerifyTokenCommand) {
    return this.auth.revokeToken(cmd);
  }

  @HandleCommand(Commands.AuthApiClientSecret)
  apiClientSecret(cmd: ApiClientSecretAuthCommand) {
    return this.auth.withApiClientSecret(cmd);
  }

  @HandleCommand(Commands.AuthOnbukaSign)
  onbukaSign(cmd: OnbukaSignCommand) {
    return this.auth.withOnbukaSign(cmd);
  }

  @HandleCommand(Commands.AuthRenewApiClient)
  renewApiClient(cmd: RenewApiClientCommand) {
    return this.auth.renewApiClient(cmd);
  }

  @HandleCommand(Commands.AuthVerifyToken)
  verify(cmd: VerifyTokenCommand) {
    return this.auth.verify(cmd);
  }
}

@Controller()
export class AccountsHandler {
  constructor(
    private readonly accounts: AccountsService,
    private readonly limits: LimitsService,
    private readonly usage: UsageProjection,
  ) {}

  @HandleCommand(Commands.AccountCreate)
  create(cmd: CreateDocCommand) {
    return this.accounts.create(cmd);
  }

  @HandleCommand(Commands.AccountTree)
  tree(cmd: AccountTreeCommand) {
    return this.accounts.tree(cmd);
  }

  @HandleCommand(Commands.AccountGet)
  get(cmd: DocIdCommand) {
    return this.accounts.get(cmd);
  }

  @HandleCommand(Commands.AccountUpdate)
  update(cmd: UpdateDocCommand) {
    return this.accounts.update(cmd);
  }

  @HandleCommand(Commands.AccountDelete)
  delete(cmd: DocIdCommand) {
    return this.accounts.delete(cmd);
  }

  @HandleCommand(Commands.AccountListChildren)
  children(cmd: ListCommand) {
    return this.accounts.listChildren(cmd);
  }

  @HandleCommand(Commands.AccountListDescendants)
  descendants(cmd: ListCommand) {
    return this.accounts.listDescendants(cmd);
  }

  @HandleCommand(Commands.AccountGetApiKey)
  apiKey(cmd: TenantCommand) {
    return this.accounts.getApiKey(cmd);
  }

  @HandleCommand(Commands.AccountRotateApiKey)
  rotate(cmd: TenantCommand) {
    return this.accounts.rotateApiKey(cmd);
  }

  @HandleCommand(Commands.AccountGetLimits)
  getLimits(cmd: TenantCommand) {
    return this.limits.get(cmd);
  }

  @HandleCommand(Commands.AccountSetLimits)
  setLimits(cmd: CreateDocCommand) {
    return this.limits.set(cmd);
  }

  @HandleCommand(Commands.AccountGetUsage)
  getUsage(cmd: TenantCommand) {
    return this.usage.usage(cmd);
  }
}

@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersService) {}

  @HandleCommand(Commands.UserCreate)
  create(cmd: CreateDocCommand) {
    return this.users.create(cmd);
  }

  @HandleCommand(Commands.UserGet)
  get(cmd: DocIdCommand) {
    return this.users.get(cmd);
  }

  @HandleCommand(Commands.UserList)
  list(cmd: ListCommand) {
    return this.users.list(cmd);
  }

  @HandleCommand(Commands.UserUpdate)
  update(cmd: UpdateDocCommand) {
    return this.users.update(cmd);
  }

  @HandleCommand(Commands.UserDelete)
  delete(cmd: DocIdCommand) {
    return this.users.delete(cmd);
  }
}

@Controller()
export class ApiClientsHandler {
  constructor(private readonly clients: ApiClientsService) {}

  @HandleCommand(Commands.ApiClientCreate)
  create(cmd: CreateDocCommand) {
    return this.clients.create(cmd);
  }

  @HandleCommand(Commands.ApiClientList)
  list(cmd: ListCommand) {
    return this.clients.list(cmd);
  }

  @HandleCommand(Commands.AuthRevokeApiClient)
  revokeApiClient(cmd: TenantCommand) {
    return this.clients.revokeOwnTokens(cmd);
  }

  @HandleCommand(Commands.ApiClientDelete)
  delete(cmd: DocIdCommand) {
    return this.clients.delete(cmd);
  }
}
