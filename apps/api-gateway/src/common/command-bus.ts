// The gateway's single way into the services: NATS request/reply with a bounded timeout.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import type { GatewayConfig } from '@voxmail/config';
import { CommandClient } from '@voxmail/messaging';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/**
 * Commands whose work is proportional to audio (committing an upload, transcoding, archives) get this
 * much time instead of COMMAND_TIMEOUT_MS.
 */
export const MEDIA_COMMAND_TIMEOUT_MS = 60000;

@Injectable()
export class CommandBus implements OnApplicationShutdown {
  private readonly proxy: ClientProxy;
  private readonly client: CommandClient;
  private readonly mediaTimeoutMs: number;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.mediaTimeoutMs = Math.max(config.commandTimeoutMs, MEDIA_COMMAND_TIMEOUT_MS);
    this.proxy = ClientProxyFactory.create({
      transport: Transport.NATS,
      options: { servers: [config.natsUrl], name: 'api-gateway', maxReconnectAttempts: -1 },
    });
    this.client = new CommandClient(this.proxy, config.commandTimeoutMs);
  }

  connect(): Promise<unknown> {
    return this.proxy.connect();
  }

  execute<T>(subject: string, payload: object): Promise<T> {
    return this.client.execute<T>(subject, payload);
  }

  /** For commands that handle audio: the same bus with the longer media timeout. */
  executeMedia<T>(subject: string, payload: object): Promise<T> {
    return this.client.execute<T>(subject, payload, this.mediaTimeoutMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}
