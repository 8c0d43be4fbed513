// Where a broadcast's prompt (the Onbuka `fileId`) comes from: media-storage-service, asked through the
// command registry (never its tables). A prompt of another account answers as a missing one.
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { Actor, Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { DIALER_SETTINGS, type DialerSettings } from '../settings';

export interface ResolvedPrompt {
  /** The media document's id. */
  id: string;
  /** The prompt's length in milliseconds, when media-storage knows it. */
  durationMs: number | null;
}

@Injectable()
export class PromptLibrary {
  private readonly media: CommandClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(DIALER_SETTINGS) settings: DialerSettings,
  ) {
    this.media = new CommandClient(nc, settings.commandTimeoutMs);
  }

  /** The prompt `fileId` names for this account, or null when it has none by that id or name. */
  async resolve(actor: Actor, tenantId: string, fileId: string): Promise<ResolvedPrompt | null> {
    try {
      const d = await this.media.send(Commands.MediaResolvePrompt, { tenantId, actor, fileId });
      return { id: d.id, durationMs: d.duration_ms ?? null };
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.NotFound) return null;
      throw e;
    }
  }
}
