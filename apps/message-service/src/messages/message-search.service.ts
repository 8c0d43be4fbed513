// Searching messages by what was said and who called (`?q=`): in one box (the box's own access rules),
// or over the account (an admin: every box; a user: the boxes it owns or is a member of).
import { Injectable } from '@nestjs/common';
import {
  canReach,
  contentRevision,
  DomainError,
  JsonObject,
  ListMessagesCommand,
  ListReply,
  Page,
  SearchMessagesCommand,
  listReply,
} from '@voxmail/contracts';
import { BoxDirectory } from '../peers';
import { messageView } from './message-views';
import { MessageSearchRepository, SearchHit, SearchScope } from './message-search.repository';

function reply(page: Page<SearchHit>): ListReply {
  const items = page.items.map(({ message, highlight }) => {
    const view: JsonObject = messageView(message);
    const readOnly = typeof view._read_only === 'object' && view._read_only ? view._read_only : {};
    return { ...view, _read_only: { ...(readOnly as JsonObject), highlight } };
  });
  return listReply(page, items);
}

@Injectable()
export class MessageSearchService {
  constructor(
    private readonly search: MessageSearchRepository,
    private readonly boxes: BoxDirectory,
  ) {}

  /** `GET .../vmboxes/{b}/messages?q=`. */
  async inBox(cmd: ListMessagesCommand & { q: string }): Promise<ListReply> {
    const box = await this.boxes.lookup(cmd.actor, cmd.tenantId, cmd.vmboxId);
    if (box === 'deleted') return { items: [], revision: contentRevision([]) };
    const page = await this.search.search(
      cmd.tenantId,
      { vmboxId: cmd.vmboxId },
      cmd.q,
      cmd.query,
      cmd.folder,
    );
    return reply(page);
  }

  /** `GET /v2/accounts/{a}/messages?q=`. Another account, or one the actor may not reach, is 404. */
  async inAccount(cmd: SearchMessagesCommand): Promise<ListReply> {
    const { actor, tenantId } = cmd;
    let scope: SearchScope;
    if (actor.role === 'user') {
      if (actor.accountId !== tenantId || !actor.userId) throw DomainError.notFound();
      scope = { userId: actor.userId };
    } else if (actor.role === 'operator' || actor.accountId === tenantId) {
      scope = { all: true };
    } else {
      const tree = await this.search.accountTree(tenantId);
      if (!tree || !canReach(actor, { id: tenantId, tree })) throw DomainError.notFound();
      scope = { all: true };
    }
    return reply(await this.search.search(tenantId, scope, cmd.q, cmd.query, cmd.folder));
  }
}
