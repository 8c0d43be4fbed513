// What every face and ops module takes from the gateway: its config, the NATS connection, the command
// bus and token verification. Global, so a face module is mounted by importing it, nothing else.
import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { NatsConnection } from 'nats';
import type { GatewayConfig } from '@voxmail/config';
import { connectNats, NATS_CONNECTION, NatsHealth } from '@voxmail/messaging';
import { RevocationView } from '../auth/revocation-view';
import { TokenVerifier } from '../auth/token-verifier';
import { CommandBus, GATEWAY_CONFIG } from './command-bus';
import { IdempotencyKeyInterceptor } from './idempotency.interceptor';

class NatsCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

@Global()
@Module({})
export class CoreModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: CoreModule,
      // NatsHealth is a Terminus indicator; ops/ reports it
      imports: [TerminusModule.forRoot({ logger: false })],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: NATS_CONNECTION, useFactory: () => connectNats(config.natsUrl, 'api-gateway') },
        NatsHealth,
        NatsCloser,
        CommandBus,
        RevocationView,
        TokenVerifier,
        { provide: APP_INTERCEPTOR, useClass: IdempotencyKeyInterceptor },
      ],
      exports: [
        TerminusModule,
        GATEWAY_CONFIG,
        NATS_CONNECTION,
        NatsHealth,
        CommandBus,
        RevocationView,
        TokenVerifier,
      ],
    };
  }
}
