// The gateway's single way into the services: NATS request/reply with a bounded timeout.
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { GatewayConfig } from '@voxmail/config';
import type { CommandDef, ReplyOf, RequestOf } from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

@Injectable()
export class CommandBus {
  private readonly client: CommandClient;
  private readonly mediaTimeoutMs: number;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, @Inject(NATS_CONNECTION) nc: NatsConnection) {
    // commands whose work is proportional to audio (committing an upload, transcoding, archives) get
    // MEDIA_COMMAND_TIMEOUT_MS instead of COMMAND_TIMEOUT_MS, when that is longer
    this.mediaTimeoutMs = Math.max(config.commandTimeoutMs, config.mediaCommandTimeoutMs);
    // every create goes under an idempotency key (the client's, else one of its own), so a reply lost with
    // a NATS node is recovered from the owner, and a 503 means nothing was stored (rpc.ts CommandClient)
    this.client = new CommandClient(nc, config.commandTimeoutMs, { keyEveryCreate: true });
  }

  /** Sends a command of the registry (`Commands.X`): the payload and the reply are typed by it. */
  send<C extends CommandDef>(command: C, payload: RequestOf<C>): Promise<ReplyOf<C>> {
    return this.client.send(command, payload);
  }

  /** For commands that handle audio: `send` with the longer media timeout. */
  sendMedia<C extends CommandDef>(command: C, payload: RequestOf<C>): Promise<ReplyOf<C>> {
    return this.client.send(command, payload, this.mediaTimeoutMs);
  }
}
