// Greetings and prompts as Kazoo media documents: their settings, the audio each points at, and the file
// greetings of a box (the Yeastar face's names, unique per box). Every change and its event commit together.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import {
  Actor,
  AttachMediaDocumentCommand,
  BoxGreetingCommand,
  Commands,
  CreateMediaDocumentCommand,
  DomainError,
  ErrorCode,
  EventDef,
  Events,
  GreetingEventData,
  ListMediaDocumentsCommand,
  MediaDocument,
  MediaDocumentAudioCommand,
  MediaDocumentIdCommand,
  MessageAudio,
  newEvent,
  newId,
  isHexId,
  ResolvePromptCommand,
  StoreBoxGreetingCommand,
  UpdateMediaDocumentCommand,
} from '@voxmail/contracts';
import { AccountAccess, appendEvents, CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { MAILBOX_TIMEOUT_MS } from '../settings';
import { MEDIA_SCHEMA } from '../tokens';
import { MediaDocumentEntity } from './media-document.entity';
import { MediaDocumentsRepository } from './media-documents.repository';
import { MediaObjectEntity } from './media-object.entity';
import { MediaRepository } from './media.repository';
import { MediaService } from './media.service';

const GREGORIAN_OFFSET_S = 62167219200;
const gregorian = (d: Date) => Math.floor(d.getTime() / 1000) + GREGORIAN_OFFSET_S;

/** The document as Kazoo's media API answers it, with what is known of its audio. */
function mediaDocumentView(d: MediaDocumentEntity, o: MediaObjectEntity | null): MediaDocument {
  return {
    id: d.id,
    name: d.name,
    ...(d.description !== null ? { description: d.description } : {}),
    media_source: 'upload',
    kind: d.kind,
    ...(o
      ? {
          content_type: o.contentType!,
          format: o.format!,
          size: o.size!,
          duration_ms: o.durationMs!,
        }
      : {}),
    ...(d.vmboxId ? { vmbox_id: d.vmboxId } : {}),
    created: gregorian(d.createdAt),
    updated: gregorian(d.updatedAt),
    ...(d.uploadedAt ? { uploaded_at: d.uploadedAt.toISOString() } : {}),
  };
}

const mediaNotFound = () => DomainError.notFound('media not found');

@Injectable()
export class MediaDocumentsService {
  private readonly mailbox: CommandClient;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly docs: MediaDocumentsRepository,
    private readonly objects: MediaRepository,
    private readonly media: MediaService,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly access: AccountAccess,
    @Inject(MAILBOX_TIMEOUT_MS) mailboxTimeoutMs: number,
  ) {
    this.mailbox = new CommandClient(nc, mailboxTimeoutMs);
  }

  /**
   * The one tenancy rule (libs/messaging AccountAccess): another tenant's media is 404 exactly as a
   * missing id; a user reads its account's media and changes none (403) but the greetings of its own
   * boxes (reachWrite).
   */
  private reach(actor: Actor, tenantId: string, write: boolean): Promise<void> {
    return this.access.require(actor, tenantId, { admin: write });
  }

  /**
   * Who changes media: an admin (the tenancy rule above), or a user for a greeting of a box it owns
   * (`boxes`: the boxes the greeting is, or is made, for). Anything else of its account is 403 to a user.
   */
  private async reachWrite(actor: Actor, tenantId: string, boxes: () => Promise<string[]>): Promise<void> {
    if (actor.role !== 'user') return this.reach(actor, tenantId, true);
    await this.reach(actor, tenantId, false);
    for (const id of await boxes()) if (await this.ownsBox(actor, tenantId, id)) return;
    throw new DomainError(ErrorCode.Forbidden, 'a user changes only the greetings of a box it owns');
  }

  /** Asked of mailbox-service as the user itself: a box it cannot see is not its own. */
  private async ownsBox(actor: Actor, tenantId: string, vmboxId: string): Promise<boolean> {
    try {
      const { doc } = await this.mailbox.send(Commands.VmboxGet, { tenantId, actor, id: vmboxId });
      return !!actor.userId && doc.owner_id === actor.userId && doc.not_configurable !== true;
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.NotFound) return false;
      throw e;
    }
  }

  /** The boxes a greeting document is for: the one it was made for, and those naming it in `media.*`. */
  private async boxesOf(d: MediaDocumentEntity): Promise<string[]> {
    if (d.kind !== 'greeting') return [];
    const { vmboxes } = await this.mailbox.send(Commands.VmboxesUsingMedia, {
      tenantId: d.tenantId,
      actor: { accountId: d.tenantId, role: 'admin' },
      id: d.id,
    });
    return [...(d.greetingOf ? [d.greetingOf] : []), ...vmboxes.map((b) => b.id)];
  }

  /** A media document a box plays (its `media.*`) is not deleted: 409 naming the boxes. */
  private async refuseIfInUse(d: MediaDocumentEntity): Promise<void> {
    const { vmboxes } = await this.mailbox.send(Commands.VmboxesUsingMedia, {
      tenantId: d.tenantId,
      actor: { accountId: d.tenantId, role: 'admin' },
      id: d.id,
    });
    if (vmboxes.length)
      throw new DomainError(
        ErrorCode.Conflict,
        `the media is in use by ${vmboxes.map((b) => `${b.name || b.id} (${b.mailbox})`).join(', ')}`,
        { vmboxes },
      );
  }

  private async view(d: MediaDocumentEntity, m?: EntityManager): Promise<MediaDocument> {
    const o = d.objectId ? await this.objects.find(d.tenantId, d.objectId, m) : null;
    return mediaDocumentView(d, o);
  }

  private async required(tenantId: string, id: string, m?: EntityManager, lock = false) {
    const d = await this.docs.find(tenantId, id, m, lock);
    if (!d) throw mediaNotFound();
    return d;
  }

  async create(cmd: CreateMediaDocumentCommand): Promise<MediaDocument> {
    await this.reachWrite(cmd.actor, cmd.tenantId, async () =>
      cmd.doc.kind === 'greeting' && cmd.forVmboxId ? [cmd.forVmboxId] : [],
    );
    if (!cmd.doc.name)
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        name: { required: { message: 'Field is required but missing' } },
      });
    return this.ds.transaction(async (m) => {
      const d = await this.docs.insert(m, {
        id: newId(),
        tenantId: cmd.tenantId,
        kind: cmd.doc.kind ?? 'prompt',
        name: cmd.doc.name,
        description: cmd.doc.description ?? null,
        vmboxId: null,
        greetingOf: cmd.doc.kind === 'greeting' ? (cmd.forVmboxId ?? null) : null,
        objectId: null,
        uploadedAt: null,
      });
      return this.recorded(m, Events.MediaCreated, d);
    });
  }

  async get(cmd: MediaDocumentIdCommand): Promise<MediaDocument> {
    await this.reach(cmd.actor, cmd.tenantId, false);
    return this.view(await this.required(cmd.tenantId, cmd.id));
  }

  async list(cmd: ListMediaDocumentsCommand): Promise<MediaDocument[]> {
    await this.reach(cmd.actor, cmd.tenantId, false);
    const rows = await this.docs.list(cmd.tenantId, cmd.vmboxId);
    return Promise.all(rows.map((d) => this.view(d)));
  }

  /**
   * The prompt a broadcast plays: a prompt document of this account whose audio is uploaded, named by its
   * media id or by its name (a migrating Onbuka customer names its prompts by their Onbuka `fileId`; of
   * several with one name the latest upload wins). Another account's prompt is not found, as a missing one.
   */
  async resolvePrompt(cmd: ResolvePromptCommand): Promise<MediaDocument> {
    await this.reach(cmd.actor, cmd.tenantId, false);
    const id = await this.docs.findPromptId(cmd.tenantId, isHexId(cmd.fileId) ? cmd.fileId : '', cmd.fileId);
    const d = id ? await this.docs.find(cmd.tenantId, id) : null;
    if (!d) throw DomainError.notFound('the file does not exist');
    return this.view(d);
  }

  async update(cmd: UpdateMediaDocumentCommand): Promise<MediaDocument> {
    await this.reach(cmd.actor, cmd.tenantId, true);
    return this.ds.transaction(async (m) => {
      const d = await this.required(cmd.tenantId, cmd.id, m, true);
      if (cmd.doc.name !== undefined) d.name = cmd.doc.name;
      if (cmd.doc.description !== undefined) d.description = cmd.doc.description;
      if (cmd.doc.kind !== undefined && !d.vmboxId) d.kind = cmd.doc.kind;
      return this.recorded(m, Events.MediaUpdated, await this.docs.save(m, d));
    });
  }

  async delete(cmd: MediaDocumentIdCommand): Promise<MediaDocument> {
    // a user's own: only a greeting made for its box that no box names (an upload that failed)
    await this.reachWrite(cmd.actor, cmd.tenantId, async () =>
      this.boxesOf(await this.required(cmd.tenantId, cmd.id)),
    );
    await this.refuseIfInUse(await this.required(cmd.tenantId, cmd.id));
    return this.ds.transaction(async (m) => {
      const d = await this.required(cmd.tenantId, cmd.id, m, true);
      const v = await this.view(d, m);
      await this.docs.remove(m, d.tenantId, d.id);
      const events = [this.event(Events.MediaRemoved, d, v)];
      if (d.objectId) {
        events.push(this.event(Events.GreetingDeleted, d, v));
        await this.media.deleteObject(m, d.tenantId, d.objectId, 'greeting_deleted');
      }
      await appendEvents(m, MEDIA_SCHEMA, events);
      return v;
    });
  }

  /** Makes a verified upload the audio of an existing document. */
  async attach(cmd: AttachMediaDocumentCommand): Promise<MediaDocument> {
    await this.reachWrite(cmd.actor, cmd.tenantId, async () =>
      this.boxesOf(await this.required(cmd.tenantId, cmd.id)),
    );
    await this.required(cmd.tenantId, cmd.id);
    return this.commitInto(cmd, (m) => this.required(cmd.tenantId, cmd.id, m, true));
  }

  /**
   * Verifies the upload (media-storage's commit: type from the bytes, size, duration), then, in one
   * transaction, makes it the audio of the document `target` locks (or creates).
   */
  private async commitInto(
    cmd: AttachMediaDocumentCommand | StoreBoxGreetingCommand,
    target: (m: EntityManager) => Promise<MediaDocumentEntity>,
  ): Promise<MediaDocument> {
    const { tenantId, actor, uploadId, facts } = cmd;
    await this.media.commit({ tenantId, actor, uploadId, facts });
    return this.ds.transaction(async (m) => this.bind(m, await target(m), uploadId));
  }

  private async bind(m: EntityManager, d: MediaDocumentEntity, objectId: string): Promise<MediaDocument> {
    const previous = d.objectId;
    d.objectId = objectId;
    d.uploadedAt = new Date();
    const saved = await this.docs.save(m, d);
    await this.media.claim(m, d.tenantId, objectId);
    if (previous && previous !== objectId) await this.media.deleteObject(m, d.tenantId, previous, 'replaced');
    const v = await this.view(saved, m);
    await appendEvents(m, MEDIA_SCHEMA, [
      this.event(Events.GreetingUploaded, saved, v, previous ? { replaced: true } : {}),
    ]);
    return v;
  }

  async findBoxGreeting(cmd: BoxGreetingCommand): Promise<MediaDocument | null> {
    await this.reach(cmd.actor, cmd.tenantId, false);
    const d = await this.docs.findBoxGreeting(cmd.tenantId, cmd.vmboxId, cmd.name);
    return d ? this.view(d) : null;
  }

  /** Adds the box's greeting of that name, or overwrites its audio: one greeting per name and box. */
  async storeBoxGreeting(cmd: StoreBoxGreetingCommand): Promise<MediaDocument> {
    await this.reach(cmd.actor, cmd.tenantId, true);
    return this.commitInto(cmd, async (m) => {
      // the advisory lock serialises two first uploads of the same name (no row to lock yet)
      await this.docs.lockBoxGreetingName(m, cmd.tenantId, cmd.vmboxId, cmd.name);
      let d = await this.docs.findBoxGreeting(cmd.tenantId, cmd.vmboxId, cmd.name, m);
      if (!d) {
        d = await this.docs.insert(m, {
          id: newId(),
          tenantId: cmd.tenantId,
          kind: 'greeting',
          name: cmd.name,
          description: null,
          vmboxId: cmd.vmboxId,
          greetingOf: null,
          objectId: null,
          uploadedAt: null,
        });
        await this.recorded(m, Events.MediaCreated, d);
      }
      return d;
    });
  }

  /** Where the gateway reads a document's audio (a signed play link, or an authorised raw GET). */
  async audio(cmd: MediaDocumentAudioCommand): Promise<MessageAudio> {
    if (cmd.actor) await this.reach(cmd.actor, cmd.tenantId, false);
    const d = await this.required(cmd.tenantId, cmd.id);
    if (!d.objectId) throw DomainError.notFound('this media has no audio yet');
    const t = await this.media.downloadTicket({
      tenantId: d.tenantId,
      actor: cmd.actor ?? { accountId: d.tenantId, role: 'admin' },
      objectId: d.objectId,
    });
    return { url: t.url, content_type: t.content_type, size: t.size, format: t.format, name: d.name };
  }

  /** The document's view, its `def` event appended in the same transaction. */
  private async recorded(
    m: EntityManager,
    def: EventDef<string, GreetingEventData>,
    d: MediaDocumentEntity,
  ): Promise<MediaDocument> {
    const v = await this.view(d, m);
    await appendEvents(m, MEDIA_SCHEMA, [this.event(def, d, v)]);
    return v;
  }

  private event(
    def: EventDef<string, GreetingEventData>,
    d: MediaDocumentEntity,
    v: MediaDocument,
    extra: Partial<GreetingEventData> = {},
  ) {
    return newEvent(def, {
      tenantId: d.tenantId,
      aggregateId: d.id,
      data: {
        media_id: d.id,
        name: d.name,
        kind: d.kind,
        vmbox_id: d.vmboxId,
        object_id: d.objectId,
        content_type: v.content_type ?? null,
        size: v.size ?? null,
        duration_ms: v.duration_ms ?? null,
        ...extra,
      },
    });
  }
}
