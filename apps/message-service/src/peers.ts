// message-service's calls to other services: box authorization (mailbox-service) and audio (media-storage).
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import {
  Actor,
  DownloadTicket,
  MediaKind,
  OwnedVmboxReply,
  StoredMedia,
  Subjects,
  TranscodeTarget,
  UploadTicket,
  VmboxReply,
} from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
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

/** Who may reach which box, and the box's settings and limits: mailbox-service decides. */
@Injectable()
export class BoxDirectory {
  constructor(private readonly peers: Peers) {}

  /** The box as `actor` may see it; another account's box or one the user may not see is 404. */
  require(actor: Actor, tenantId: string, vmboxId: string): Promise<VmboxReply> {
    return this.peers.vmbox.execute<VmboxReply>(Subjects.Vmbox.Get, { tenantId, actor, id: vmboxId });
  }

  /** The box `userId` owns (null when none); an unknown user, or one of another account, is 404. */
  async ownedBy(actor: Actor, tenantId: string, userId: string): Promise<string | null> {
    const r = await this.peers.vmbox.execute<OwnedVmboxReply>(Subjects.Vmbox.OwnedBy, {
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
    return this.peers.media.execute(Subjects.Media.UploadTicket, { tenantId, actor, kind, ownerId });
  }

  commit(tenantId: string, actor: Actor, uploadId: string, maxDurationMs?: number): Promise<StoredMedia> {
    return this.peers.media.execute(Subjects.Media.Commit, { tenantId, actor, uploadId, maxDurationMs });
  }

  abort(tenantId: string, actor: Actor, uploadId: string): Promise<void> {
    return this.peers.media.execute(Subjects.Media.Abort, { tenantId, actor, uploadId });
  }

  download(
    tenantId: string,
    actor: Actor,
    objectId: string,
    format?: TranscodeTarget,
  ): Promise<DownloadTicket> {
    return this.peers.media.execute(Subjects.Media.DownloadTicket, { tenantId, actor, objectId, format });
  }

  /** A copy of the object under a new id, so a copied message never depends on the original. */
  copy(tenantId: string, actor: Actor, objectId: string, ownerId: string): Promise<StoredMedia> {
    return this.peers.media.execute(Subjects.Media.Copy, { tenantId, actor, objectId, ownerId });
  }
}
