// NATS command handlers of accounts, users, API clients and authentication: validate, then call the service.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ApiClientAuthCommand,
  ApiClientSecretAuthCommand,
  ApiKeyAuthCommand,
  CreateDocCommand,
  DocIdCommand,
  ListCommand,
  Subjects,
  TenantCommand,
  UpdateDocCommand,
  UserAuthCommand,
  validateCommand as v,
  VerifyTokenCommand,
} from '@voxmail/contracts';
import { AccountsService } from './accounts/accounts.service';
import { ApiClientsService } from './api-clients/api-clients.service';
import { AuthService } from './auth/auth.service';
import { UsersService } from './users/users.service';

@Controller()
export class AuthHandler {
  constructor(private readonly auth: AuthService) {}

  @MessagePattern(Subjects.Auth.ApiKey)
  apiKey(@Payload() p: unknown) {
    return this.auth.withApiKey(v(ApiKeyAuthCommand, p));
  }

  @MessagePattern(Subjects.Auth.User)
  user(@Payload() p: unknown) {
    return this.auth.withUserCredentials(v(UserAuthCommand, p));
  }

  @MessagePattern(Subjects.Auth.ApiClient)
  apiClient(@Payload() p: unknown) {
    return this.auth.withApiClient(v(ApiClientAuthCommand, p));
  }

  @MessagePattern(Subjects.Auth.ApiClientSecret)
  apiClientSecret(@Payload() p: unknown) {
    return this.auth.withApiClientSecret(v(ApiClientSecretAuthCommand, p));
  }

  @MessagePattern(Subjects.Auth.VerifyToken)
  verify(@Payload() p: unknown) {
    return this.auth.verify(v(VerifyTokenCommand, p));
  }

  @MessagePattern(Subjects.Health.Mailbox)
  ping() {
    return { pong: true };
  }
}

@Controller()
export class AccountsHandler {
  constructor(private readonly accounts: AccountsService) {}

  @MessagePattern(Subjects.Account.Create)
  create(@Payload() p: unknown) {
    return this.accounts.create(v(CreateDocCommand, p));
  }

  @MessagePattern(Subjects.Account.Get)
  get(@Payload() p: unknown) {
    return this.accounts.get(v(DocIdCommand, p));
  }

  @MessagePattern(Subjects.Account.Update)
  update(@Payload() p: unknown) {
    return this.accounts.update(v(UpdateDocCommand, p));
  }

  @MessagePattern(Subjects.Account.Delete)
  delete(@Payload() p: unknown) {
    return this.accounts.delete(v(DocIdCommand, p));
  }

  @MessagePattern(Subjects.Account.ListChildren)
  children(@Payload() p: unknown) {
    return this.accounts.listChildren(v(ListCommand, p));
  }

  @MessagePattern(Subjects.Account.GetApiKey)
  apiKey(@Payload() p: unknown) {
    return this.accounts.getApiKey(v(TenantCommand, p));
  }

  @MessagePattern(Subjects.Account.RotateApiKey)
  rotate(@Payload() p: unknown) {
    return this.accounts.rotateApiKey(v(TenantCommand, p));
  }
}

@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersService) {}

  @MessagePattern(Subjects.User.Create)
  create(@Payload() p: unknown) {
    return this.users.create(v(CreateDocCommand, p));
  }

  @MessagePattern(Subjects.User.Get)
  get(@Payload() p: unknown) {
    return this.users.get(v(DocIdCommand, p));
  }

  @MessagePattern(Subjects.User.List)
  list(@Payload() p: unknown) {
    return this.users.list(v(ListCommand, p));
  }

  @MessagePattern(Subjects.User.Update)
  update(@Payload() p: unknown) {
    return this.users.update(v(UpdateDocCommand, p));
  }

  @MessagePattern(Subjects.User.Delete)
  delete(@Payload() p: unknown) {
    return this.users.delete(v(DocIdCommand, p));
  }
}

@Controller()
export class ApiClientsHandler {
  constructor(private readonly clients: ApiClientsService) {}

  @MessagePattern(Subjects.ApiClient.Create)
  create(@Payload() p: unknown) {
    return this.clients.create(v(CreateDocCommand, p));
  }

  @MessagePattern(Subjects.ApiClient.List)
  list(@Payload() p: unknown) {
    return this.clients.list(v(ListCommand, p));
  }

  @MessagePattern(Subjects.ApiClient.Delete)
  delete(@Payload() p: unknown) {
    return this.clients.delete(v(DocIdCommand, p));
  }
}
