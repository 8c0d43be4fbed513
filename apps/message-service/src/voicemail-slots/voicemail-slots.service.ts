// Voicemail slots (the account manager face): reserve a deposit for a user, fill it once with audio that
// becomes a message in the user's own box, read it back, delete it with its message.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  Actor,
  CompleteSlotUploadCommand,
  CreateSlotCommand,
  DomainError,
  ErrorCode,
  isMessageId,
  MessageAudio,
  newMessageId,
  SLOT_AUDIO_FORMAT,
  SlotIdCommand,
  SlotUploadCommand,
  SlotUploadTicket,
  toGregorian,
  UserSlotsCommand,
  VoicemailSlot,
} from '@voxmail/contracts';
import { BoxDirectory, MediaLibrary } from '../peers';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { DeletionService } from '../messages/deletion.service';
import { DepositService } from '../messages/deposit.service';
import { audioFileName } from '../messages/message-views';
import { MessagesRepository } from '../messages/messages.repository';
import { VoicemailSlotEntity } from './voicemail-slot.entity';
import { VoicemailSlotsRepository } from './voicemail-slots.repository';

function slotView(e: VoicemailSlotEntity): VoicemailSlot {
  return {
    id: e.id,
    user_id: e.userId,
    sip_from: e.sipFrom,
    name: e.fileName,
    content_type: e.contentType,
    max_upload_size: e.maxBytes,
    created_at: e.createdAt.toISOString(),
    expires_at: e.expiresAt.toISOString(),
    uploaded_at: e.uploadedAt ? e.uploadedAt.toISOString() : null,
    file_size: e.fileSize,
    message_id: e.messageId,
  };
}

const notFound = () => DomainError.notFound('voicemail not found');

/** Uploads act as the box's owner: the signed URL is the credential, and the owner may fill its own box. */
function ownerActor(e: VoicemailSlotEntity): Actor {
  return { accountId: e.tenantId, role: 'user', userId: e.userId };
}

@Injectable()
export class VoicemailSlotsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly slots: VoicemailSlotsRepository,
    private readonly deposits: DepositService,
    private readonly deletions: DeletionService,
    private readonly messageRows: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  async create(cmd: CreateSlotCommand): Promise<VoicemailSlot> {
    const vmboxId = await this.boxes.ownedBy(cmd.actor, cmd.tenantId, cmd.userId);
    if (!vmboxId) {
      throw new DomainError(ErrorCode.Unprocessable, 'The account has no voicemail box to deposit into.', {
        account: { required: { message: 'The account has no voicemail box to deposit into.' } },
      });
    }
    // whole seconds: the face shows times as 2025-10-09T12:59:32Z
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const e = Object.assign(new VoicemailSlotEntity(), {
      tenantId: cmd.tenantId,
      id: randomUUID(),
      userId: cmd.userId,
      vmboxId,
      sipFrom: cmd.sipFrom ?? null,
      contentType: cmd.contentType,
      maxBytes: cmd.maxBytes,
      createdAt: now,
      expiresAt: new Date(now.getTime() + cmd.ttlSeconds * 1000),
      uploadId: null,
      uploadedAt: null,
      fileSize: null,
      fileName: null,
      messageId: null,
    });
    return slotView(await this.slots.insert(e));
  }

  /** A slot of the user; a filled one whose message is gone (deleted through Kazoo) is gone too. */
  private async visible(cmd: SlotIdCommand): Promise<VoicemailSlotEntity> {
    await this.boxes.ownedBy(cmd.actor, cmd.tenantId, cmd.userId);
    const e = await this.slots.findOfUser(cmd.tenantId, cmd.userId, cmd.slotId);
    if (!e) throw notFound();
    if (e.messageId) {
      const m = await this.messageRows.find(cmd.tenantId, e.vmboxId, e.messageId);
      if (!m || m.folder === 'deleted') throw notFound();
    } else if (e.expiresAt.getTime() <= Date.now()) throw notFound();
    return e;
  }

  async get(cmd: SlotIdCommand): Promise<VoicemailSlot> {
    return slotView(await this.visible(cmd));
  }

  async list(cmd: UserSlotsCommand): Promise<VoicemailSlot[]> {
    await this.boxes.ownedBy(cmd.actor, cmd.tenantId, cmd.userId);
    return (await this.slots.listOfUser(cmd.tenantId, cmd.userId)).map(slotView);
  }

  /** Deletes the slot and, when filled, its message at once (the audio goes with the purge event). */
  async delete(cmd: SlotIdCommand): Promise<{ deleted: true }> {
    const seen = await this.visible(cmd);
    await this.ds.transaction(async (m) => {
      const e = await this.slots.lock(m, cmd.tenantId, seen.id);
      if (!e) throw notFound();
      if (e.messageId)
        await this.deletions.purgeNow(m, e.tenantId, e.vmboxId, e.messageId, 'voicemail_deleted');
      await this.slots.remove(m, e.tenantId, e.id);
    });
    if (!seen.messageId && seen.uploadId)
      await this.media.abort(seen.tenantId, ownerActor(seen), seen.uploadId).catch(() => undefined);
    return { deleted: true };
  }

  /** An empty, unexpired slot gets an upload ticket no larger than its `max_upload_size`. */
  async beginUpload(cmd: SlotUploadCommand): Promise<SlotUploadTicket> {
    const e = await this.slots.find(cmd.tenantId, cmd.slotId);
    if (!e) throw notFound();
    if (e.uploadedAt) throw new DomainError(ErrorCode.Conflict, 'This upload URL was already used.');
    if (e.expiresAt.getTime() <= Date.now())
      throw new DomainError(ErrorCode.Forbidden, 'The upload URL has expired.');
    const actor = ownerActor(e);
    await this.boxes.require(actor, e.tenantId, e.vmboxId);
    const t = await this.media.uploadTicket(
      e.tenantId,
      actor,
      'message',
      newMessageId(toGregorian(new Date())),
    );
    await this.slots.setUpload(e.tenantId, e.id, t.uploadId);
    return { ...t, maxBytes: Math.min(t.maxBytes, e.maxBytes), contentType: e.contentType };
  }

  async abortUpload(cmd: CompleteSlotUploadCommand): Promise<{ aborted: true }> {
    const e = await this.slots.find(cmd.tenantId, cmd.slotId);
    if (e) await this.media.abort(e.tenantId, ownerActor(e), cmd.uploadId);
    return { aborted: true };
  }

  /**
   * Turns the finished upload into a message of the owner's box, folder `new`, `from` the slot's SIP
   * address, through the same deposit as Kazoo's (same events); the slot is marked used in that commit.
   */
  async completeUpload(cmd: CompleteSlotUploadCommand): Promise<VoicemailSlot> {
    const seen = await this.slots.find(cmd.tenantId, cmd.slotId);
    if (!seen) throw notFound();
    if (seen.uploadedAt) throw new DomainError(ErrorCode.Conflict, 'This upload URL was already used.');
    let filled: VoicemailSlotEntity | undefined;
    await this.deposits.create(
      {
        tenantId: seen.tenantId,
        actor: ownerActor(seen),
        vmboxId: seen.vmboxId,
        // without a caller's address, Kazoo's own default `from` (nouser@norealm)
        doc: seen.sipFrom ? { from: seen.sipFrom, folder: 'new' } : { folder: 'new' },
        uploadId: cmd.uploadId,
        facts: cmd.facts,
      },
      async (m, msg) => {
        const e = await this.slots.lock(m, seen.tenantId, seen.id);
        if (!e) throw notFound();
        if (e.uploadedAt) throw new DomainError(ErrorCode.Conflict, 'This upload URL was already used.');
        if (msg.media?.format !== SLOT_AUDIO_FORMAT[e.contentType]) {
          throw new DomainError(
            ErrorCode.Unprocessable,
            'The file does not match the declared content_type.',
            {
              file: { mismatch: { message: `The file must be ${e.contentType} audio.` } },
            },
          );
        }
        e.uploadedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
        e.fileSize = msg.media.size;
        e.fileName = cmd.fileName ?? `${e.id}.${e.contentType === 'audio/opus' ? 'opus' : 'wav'}`;
        e.messageId = msg.id;
        e.uploadId = null;
        await this.slots.save(m, e);
        filled = e;
      },
    );
    return slotView(filled!);
  }

  /** Where a filled slot's audio is read; the signed link is the credential. */
  async audio(cmd: SlotUploadCommand): Promise<MessageAudio> {
    const e = await this.slots.find(cmd.tenantId, cmd.slotId);
    if (!e?.messageId || !isMessageId(e.messageId)) throw notFound();
    const msg = await this.messageRows.find(e.tenantId, e.vmboxId, e.messageId);
    if (!msg?.media || msg.folder === 'deleted') throw notFound();
    const t = await this.media.download(e.tenantId, ownerActor(e), msg.media.object_id);
    return { ...t, name: audioFileName(msg, t.format) };
  }

  /** Empty slots past their expiry go; an upload still running gets a little longer. */
  async sweepExpired(): Promise<number> {
    const rows = await this.slots.removeExpired(this.settings.mediaTimeoutMs);
    return rows.length;
  }
}
