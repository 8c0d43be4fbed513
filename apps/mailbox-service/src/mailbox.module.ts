import { ApiClientSecretIndex1764200000000 } from './migrations/1764200000000-api-client-secret-index';
import { DynamicModule, Module } from '@nestjs/common';
import type { MailboxConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { AccountEntity } from './accounts/account.entity';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { LimitsService } from './accounts/limits.service';
import { Quotas } from './accounts/quotas';
import { UsageConsumers } from './accounts/usage.consumers';
import { UsageProjection } from './accounts/usage.projection';
import { ApiClientEntity } from './api-clients/api-client.entity';
import { ApiClientsRepository } from './api-clients/api-clients.repository';
import { ApiClientsService } from './api-clients/api-clients.service';
import { Argon2Work } from './auth/argon2-work';
import { AuthService } from './auth/auth.service';
import { AuthFailuresRepository } from './auth/auth-failures.repository';
import { Revocations } from './auth/revocations';
import { RevocationsRepository } from './auth/revocations.repository';
import { TokenStandingRepository } from './auth/token-standing.repository';
import { TokenSigner } from './auth/token-signer';
import { AccountsHandler, ApiClientsHandler, AuthHandler, UsersHandler } from './identity.handler';
import { SipAccountsHandler } from './users/sip-accounts.handler';
import { SipAccountsService } from './users/sip-accounts.service';
import { Identity1764000000000 } from './migrations/1764000000000-identity';
import { Tenancy1764000000002 } from './migrations/1764000000002-tenancy';
import { DropAuthTokens1764400000000 } from './migrations/1764400000000-drop-auth-tokens';
import { ApiClientOnbuka1764700000000 } from './migrations/1764700000000-api-client-onbuka';
import { AccountLimits1765100000000 } from './migrations/1765100000000-account-limits';
import { Revocations1764300000000 } from './migrations/1764300000000-revocations';
import { IdempotencyKeys1764950000000 } from './migrations/1764950000000-idempotency-keys';
import { SipIds1765100000000 } from './migrations/1765100000000-sip-ids';
import { UsageTranscription1765300000000 } from './migrations/1765300000000-usage-transcription';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from './tokens';
import { UserEntity } from './users/user.entity';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import {
  VMBOX_ENTITIES,
  VMBOX_HANDLERS,
  VMBOX_MIGRATIONS,
  VMBOX_PROVIDERS,
} from './vmboxes/vmboxes.providers';

export const MAILBOX_ENTITIES = [AccountEntity, UserEntity, ApiClientEntity, ...VMBOX_ENTITIES];
export const MAILBOX_MIGRATIONS = [
  Identity1764000000000,
  ...VMBOX_MIGRATIONS,
  Tenancy1764000000002,
  ApiClientSecretIndex1764200000000,
  Revocations1764300000000,
  DropAuthTokens1764400000000,
  ApiClientOnbuka1764700000000,
  IdempotencyKeys1764950000000,
  AccountLimits1765100000000,
  SipIds1765100000000,
  UsageTranscription1765300000000,
];

@Module({})
export class MailboxModule {
  static register(config: MailboxConfig): DynamicModule {
    return {
      module: MailboxModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: MAILBOX_SCHEMA,
          entities: MAILBOX_ENTITIES,
          migrations: MAILBOX_MIGRATIONS,
        }),
      ],
      controllers: [
        AuthHandler,
        AccountsHandler,
        UsersHandler,
        ApiClientsHandler,
        SipAccountsHandler,
        ...VMBOX_HANDLERS,
      ],
      providers: [
        { provide: MAILBOX_CONFIG, useValue: config },
        AccountsRepository,
        AccountsService,
        LimitsService,
        Quotas,
        UsageProjection,
        UsageConsumers,
        UsersRepository,
        UsersService,
        SipAccountsService,
        ApiClientsRepository,
        ApiClientsService,
        RevocationsRepository,
        Revocations,
        AuthFailuresRepository,
        TokenStandingRepository,
        AuthService,
        Argon2Work,
        TokenSigner,
        ...VMBOX_PROVIDERS,
      ],
    };
  }
}
