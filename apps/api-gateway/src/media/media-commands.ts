// Commands whose work is proportional to audio (committing an upload, transcoding, archives) get more
// time than the gateway's ordinary command timeout.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import type { GatewayConfig } from '@voxmail/config';
import { CommandClient } from '@voxmail/messaging';
import { GATEWAY_CONFIG } from '../common/command-bus';

export const MEDIA_COMMAND_TIMEOUT_MS = 60000;

@Injectable()
export class MediaCommands implements OnApplicationShutdown {
  private readonly proxy: ClientProxy;
  private readonly client: CommandClient;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.proxy = ClientProxyFactory.create({
      transport: Transport.NATS,
      options: { servers: [config.natsUrl], name: 'api-gateway-media', maxReconnectAttempts: -1 },
    });
    this.client = new CommandClient(this.proxy, Math.max(config.commandTimeoutMs, MEDIA_COMMAND_TIMEOUT_MS));
  }

  execute<T>(subject: string, payload: object): Promise<T> {
    return this.client.execute<T>(subject, payload);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }
}
