import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { NatsConnection } from 'nats';
import type { GatewayConfig } from '@voxmail/config';
import { connectNats, loggerParams } from '@voxmail/messaging';
import { CommandBus, GATEWAY_CONFIG } from './common/command-bus';
import { GATEWAY_NATS, HealthController } from './common/health.controller';
import { KazooAuthGuard } from './kazoo/auth.guard';
import { AccountsController, ApiClientAuthController, AuthController } from './kazoo/identity.controller';
import { VmboxesController } from './kazoo/vmboxes.controller';
import { MessagesController, MessagesRawController } from './kazoo/messages.controller';
import { MediaCommands } from './media/media-commands';

class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(GATEWAY_NATS) private readonly nc: NatsConnection) {}
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
      ],
      controllers: [
        HealthController,
        AuthController,
        ApiClientAuthController,
        AccountsController,
        VmboxesController,
        MessagesController,
        MessagesRawController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_NATS, useFactory: () => connectNats(config.natsUrl, 'api-gateway-health') },
        NatsCloser,
        CommandBus,
        MediaCommands,
        { provide: APP_GUARD, useClass: KazooAuthGuard },
      ],
    };
  }
}
