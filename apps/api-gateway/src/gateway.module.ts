import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { NatsConnection } from 'nats';
import type { GatewayConfig } from '@voxmail/config';
import { connectNats, loggerParams, NATS_CONNECTION, NatsHealth } from '@voxmail/messaging';
import { CommandBus, GATEWAY_CONFIG } from './common/command-bus';
import { HealthController } from './common/health.controller';
import { RevocationView } from './auth/revocation-view';
import { TokenVerifier } from './auth/token-verifier';
import { FlexisipModule } from './faces/flexisip/flexisip.module';
import { OnbukaModule } from './faces/onbuka/onbuka.module';
import {
  BroadcastAppsController,
  BroadcastsController,
  DncNumbersController,
  OnbukaKeysController,
} from './faces/kazoo/broadcasts.controller';
import { KazooAuthGuard } from './kazoo/auth.guard';
import { AccountsController, ApiClientAuthController, AuthController } from './kazoo/identity.controller';
import { VmboxesController } from './kazoo/vmboxes.controller';
import { MessagesController, MessagesRawController } from './kazoo/messages.controller';

class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        LoggerModule.forRoot(loggerParams('api-gateway', config.logLevel)),
        TerminusModule.forRoot({ logger: false }),
        FlexisipModule,
        OnbukaModule,
      ],
      controllers: [
        HealthController,
        AuthController,
        ApiClientAuthController,
        AccountsController,
        VmboxesController,
        MessagesController,
        MessagesRawController,
        BroadcastAppsController,
        BroadcastsController,
        DncNumbersController,
        OnbukaKeysController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: NATS_CONNECTION, useFactory: () => connectNats(config.natsUrl, 'api-gateway') },
        NatsHealth,
        NatsCloser,
        CommandBus,
        RevocationView,
        TokenVerifier,
        { provide: APP_GUARD, useClass: KazooAuthGuard },
      ],
    };
  }
}
