// Reading messages of a box: one message, or a page of them.
import { Injectable } from '@nestjs/common';
import {
  contentRevision,
  DocReply,
  ListMessagesCommand,
  ListReply,
  MessageIdCommand,
  VmboxCommand,
  listReply,
} from '@voxmail/contracts';
import { BoxDirectory } from '../peers';
import { MessageEntity } from './message.entity';
import { messageReply, messageView, notFound } from './message-views';
import { MessageSearchService } from './message-search.service';
import { BoxCounts, MessagesRepository } from './messages.repository';

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly search: MessageSearchService,
  ) {}

  /** A message of a box the actor may read; 404 when the box or the message is not there for it. */
  async readable(cmd: MessageIdCommand): Promise<MessageEntity> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const e = await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id);
    if (!e) throw notFound();
    return e;
  }

  async get(cmd: MessageIdCommand): Promise<DocReply> {
    return messageReply(await this.readable(cmd));
  }

  /** The box's counts as `mwi.updated` last carried them (a PBX polling instead of subscribing). */
  async mwi(cmd: VmboxCommand): Promise<BoxCounts> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    return this.messages.counts(cmd.tenantId, cmd.vmboxId);
  }

  /** Newest first unless the box says `oldest_message_first` (an explicit order in the request wins). */
  async list(cmd: ListMessagesCommand & { explicitOrder?: boolean }): Promise<ListReply> {
    if (cmd.q !== undefined) return this.search.inBox({ ...cmd, q: cmd.q });
    const box = await this.boxes.lookup(cmd.actor, cmd.tenantId, cmd.vmboxId);
    // Kazoo lists a removed box as empty (its SDK checks exactly that); only the tenant's own boxes
    if (box === 'deleted') return { items: [], revision: contentRevision([]) };
    const query = cmd.query;
    if (!cmd.explicitOrder && box.doc.oldest_message_first === true) query.descending = false;
    const page = await this.messages.list(cmd.tenantId, cmd.vmboxId, query, cmd.folder);
    const items = page.items.map(messageView);
    return listReply(page, items);
  }
}
