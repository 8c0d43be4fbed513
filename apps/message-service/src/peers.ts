// message-service's view of boxes (its own projection, mailbox-service on a miss) and its calls for audio.
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import {
  AccountTranscription,
  Actor,
  AudioFacts,
  Commands,
  reachWithoutTree,
  contentRevision,
  DomainError,
  DownloadTicket,
  MediaKind,
  StoredMedia,
  TranscodeTarget,
  UploadTicket,
  VmboxReply,
} from '@voxmail/contracts';
import { AccountAccess, CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { BoxProjection } from './boxes/box-projection';
import { MESSAGE_SETTINGS, MessageSettings } from './settings';

/** The NATS client message-service uses for its own commands to other services. */
@Injectable()
export class Peers {
  readonly vmbox: CommandClient;
  readonly media: CommandClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(MESSAGE_SETTINGS) settings: MessageSettings,
  ) {
    this.vmbox = new CommandClient(nc, settings.vmboxTimeoutMs);
    this.media = new CommandClient(nc, settings.mediaTimeoutMs);
  }
}

const limit = (own: unknown, dflt: unknown): number | null =>
  typeof own === 'number' ? own : typeof dflt === 'number' ? dflt : null;

/** A box as the directory found it; `accountTranscription` when it came from the projection (the account
 *  known), absent when mailbox-service answered a miss. */
export interface DirectoryBox extends VmboxReply {
  accountTranscription?: AccountTranscription;
}

/**
 * Who may reach which box, and the box's settings and limits, answered from message-service's own
 * projection of mailbox-service's events: one hop for every message call. The rules are mailbox-service's
 * (`Commands.VmboxGet`): another tenant's box, or one a user-level actor neither owns nor is a member of,
 * is 404 exactly like a missing one.
 */
@Injectable()
export class BoxDirectory {
  constructor(
    private readonly peers: Peers,
    private readonly projection: BoxProjection,
  ) {}

  /** The box as `actor` may see it; a deleted, missing, foreign or hidden box is 404. */
  async require(actor: Actor, tenantId: string, vmboxId: string): Promise<DirectoryBox> {
    const found = await this.lookup(actor, tenantId, vmboxId);
    if (found === 'deleted') throw DomainError.notFound();
    return found;
  }

  /**
   * For listing messages: a box this tenant had and deleted answers 'deleted' (Kazoo lists it as []);
   * one it never had, or one the actor could not see, is still 404, so nothing leaks.
   */
  lookup(actor: Actor, tenantId: string, vmboxId: string): Promise<DirectoryBox | 'deleted'> {
    // decided without the tree when it can be (a user of another account): see canReach
    if (reachWithoutTree(actor, tenantId) === false) throw DomainError.notFound();
    return this.fromProjection(actor, tenantId, vmboxId);
  }

  private async fromProjection(
    actor: Actor,
    tenantId: string,
    vmboxId: string,
  ): Promise<DirectoryBox | 'deleted'> {
    const b = await this.projection.find(tenantId, vmboxId);
    const ownAccount = actor.role === 'operator' || actor.accountId === tenantId;
    const treeKnown = ownAccount || !!b?.account?.tree;
    if (!b || (!b.account && !b.deleted) || (!treeKnown && !b.deleted))
      return this.fromMailbox(actor, tenantId, vmboxId);
    // the tenancy rule of the platform (one implementation, AccountAccess) on the projected tree
    if (!ownAccount) AccountAccess.requireWithTree(actor, { id: tenantId, tree: b.account?.tree ?? [] });
    const visible =
      actor.role !== 'user' ||
      (!!actor.userId && (b.ownerId === actor.userId || b.members.includes(actor.userId)));
    if (!visible || b.account?.deleted) throw DomainError.notFound();
    if (b.deleted) return 'deleted';
    const account = b.account!;
    return {
      doc: b.doc,
      // message-service never uses a box's revision; it is the content's, not mailbox-service's
      revision: contentRevision(b.doc),
      limits: {
        max_message_count: limit(b.doc.max_message_count, account.maxMessageCount),
        max_message_length: limit(b.doc.max_message_length, account.maxMessageLength),
      },
      accountTranscription: account.transcription,
    };
  }

  /** A miss (a box created a moment ago, or older than the event stream keeps): ask once, remember. */
  private async fromMailbox(actor: Actor, tenantId: string, vmboxId: string): Promise<VmboxReply> {
    const reply = await this.peers.vmbox.send(Commands.VmboxGet, {
      tenantId,
      actor,
      id: vmboxId,
    });
    await this.projection.fillFromMailbox(tenantId, reply.doc);
    return reply;
  }

  /** The box `userId` owns (null when none); an unknown user, or one of another account, is 404. */
  async ownedBy(actor: Actor, tenantId: string, userId: string): Promise<string | null> {
    const r = await this.peers.vmbox.send(Commands.VmboxOwnedBy, {
      tenantId,
      actor,
      userId,
    });
    return r.vmboxId;
  }
}

/** The audio objects of messages, kept by media-storage-service. */
@Injectable()
export class MediaLibrary {
  constructor(private readonly peers: Peers) {}

  uploadTicket(tenantId: string, actor: Actor, kind: MediaKind, ownerId: string): Promise<UploadTicket> {
    return this.peers.media.send(Commands.MediaUploadTicket, { tenantId, actor, kind, ownerId });
  }

  commit(
    tenantId: string,
    actor: Actor,
    uploadId: string,
    maxDurationMs?: number,
    facts?: AudioFacts,
    ownerId?: string,
  ): Promise<StoredMedia> {
    return this.peers.media.send(Commands.MediaCommit, {
      tenantId,
      actor,
      uploadId,
      maxDurationMs,
      facts,
      ownerId,
    });
  }

  abort(tenantId: string, actor: Actor, uploadId: string): Promise<void> {
    return this.peers.media.send(Commands.MediaAbort, { tenantId, actor, uploadId }).then(() => undefined);
  }

  download(
    tenantId: string,
    actor: Actor,
    objectId: string,
    format?: TranscodeTarget,
  ): Promise<DownloadTicket> {
    return this.peers.media.send(Commands.MediaDownloadTicket, { tenantId, actor, objectId, format });
  }

  /** A copy of the object under a new id, so a copied message never depends on the original. */
  copy(tenantId: string, actor: Actor, objectId: string, ownerId: string): Promise<StoredMedia> {
    return this.peers.media.send(Commands.MediaCopy, { tenantId, actor, objectId, ownerId });
  }
}
