// Kazoo crossbar: full-text search of an account's voicemail (`GET /v2/accounts/{accountId}/messages?q=`).
// The same search in one box is `GET .../vmboxes/{id}/messages?q=` (messages.controller.ts).
import { Get, Req } from '@nestjs/common';
import { Actor, Commands, MAX_SEARCH_QUERY, MESSAGE_FOLDERS, MessageFolder } from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor } from './params';
import { invalid, listQueryOf } from './request';
import { listResult } from './results';

/** `?q=`: undefined when absent; 400 when empty, repeated or longer than MAX_SEARCH_QUERY. */
export function searchQueryOf(req: GatewayRequest): string | undefined {
  const q = ((req.query ?? {}) as Record<string, unknown>).q;
  if (q === undefined) return undefined;
  if (typeof q !== 'string') throw invalid('q', 'type', 'Give q once, as text');
  const text = q.trim();
  if (!text) throw invalid('q', 'minLength', 'q must not be empty');
  if (text.length > MAX_SEARCH_QUERY)
    throw invalid('q', 'maxLength', `q must be at most ${MAX_SEARCH_QUERY} characters`);
  return text;
}

@KazooController('accounts/:accountId/messages')
export class MessageSearchController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async search(
    @Req() req: GatewayRequest,
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
  ): Promise<KazooResult> {
    const q = searchQueryOf(req);
    if (q === undefined) throw invalid('q', 'required', 'Give the words to search for in q');
    const folder = ((req.query ?? {}) as Record<string, unknown>).folder;
    if (folder !== undefined && !(MESSAGE_FOLDERS as readonly unknown[]).includes(folder))
      throw invalid(
        'folder',
        'enum',
        `Value not found in enumerated list of values: ${MESSAGE_FOLDERS.join(', ')}`,
      );
    return listResult(
      await this.bus.send(Commands.MessageSearch, {
        tenantId,
        actor,
        q,
        query: listQueryOf(req),
        folder: folder as MessageFolder | undefined,
      }),
    );
  }
}
