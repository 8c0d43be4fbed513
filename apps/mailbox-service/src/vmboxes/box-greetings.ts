// The greetings of a box (`media.unavailable|busy|name|temporary`): each names a media document of the
// box's own account, checked with media-storage-service over NATS (never by reading its tables).
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import {
  Actor,
  BoxGreeting,
  Commands,
  DomainError,
  ErrorCode,
  GREETING_TYPES,
  GreetingType,
  HEX_ID,
  JsonObject,
  MediaDocument,
  MediaDocumentIdCommand,
  VmboxRef,
} from '@voxmail/contracts';
import type { MailboxConfig } from '@voxmail/config';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { MAILBOX_CONFIG } from '../tokens';
import { VmboxesRepository } from './vmboxes.repository';

/** The media ids a box document names, by greeting type. */
export function greetingIdsOf(doc: JsonObject): Partial<Record<GreetingType, unknown>> {
  const media = doc.media;
  if (!media || typeof media !== 'object' || Array.isArray(media)) return {};
  const out: Partial<Record<GreetingType, unknown>> = {};
  for (const t of GREETING_TYPES) {
    const v = (media as JsonObject)[t];
    if (v !== undefined && v !== null && v !== '') out[t] = v;
  }
  return out;
}

/**
 * Which of a box's greetings (those with audio) callers hear: a temporary greeting overrides the
 * unavailable and busy ones while it is set; the name recording is always played.
 */
export function activeGreetings(types: GreetingType[]): GreetingType[] {
  if (types.includes('temporary')) return types.filter((t) => t === 'temporary' || t === 'name');
  return [...types];
}

const invalidMedia = (type: string, message: string, cause: unknown) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
    [`media.${type}`]: { not_found: { message, cause } },
  });

@Injectable()
export class BoxGreetings {
  private readonly media: CommandClient;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly boxes: VmboxesRepository,
    @Inject(MAILBOX_CONFIG) config: MailboxConfig,
  ) {
    this.media = new CommandClient(nc, config.mediaTimeoutMs);
  }

  /** mailbox-service already authorised the caller on the box; the account itself reads its media. */
  private asAccount(tenantId: string): Actor {
    return { accountId: tenantId, role: 'admin' };
  }

  private async find(tenantId: string, id: string): Promise<MediaDocument | undefined> {
    try {
      return await this.media.send(Commands.MediaDocumentGet, {
        tenantId,
        actor: this.asAccount(tenantId),
        id,
      });
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.NotFound) return undefined;
      throw e;
    }
  }

  /**
   * Every `media.*` greeting must be a media document of the box's account: another account's id is
   * refused exactly like a missing one (media-storage answers both as not found).
   */
  async check(tenantId: string, doc: JsonObject): Promise<void> {
    for (const [type, id] of Object.entries(greetingIdsOf(doc))) {
      if (typeof id !== 'string' || !HEX_ID.test(id))
        throw invalidMedia(type, `media.${type} must be the id of a media document`, id);
      if (!(await this.find(tenantId, id)))
        throw invalidMedia(type, `media.${type} is not a media document of this account`, id);
    }
  }

  /** The file greetings bound to the box (uploaded through the Yeastar face). */
  private files(tenantId: string, vmboxId: string): Promise<MediaDocument[]> {
    return this.media.send(Commands.MediaDocumentList, {
      tenantId,
      actor: this.asAccount(tenantId),
      vmboxId,
    });
  }

  /**
   * The box's greetings with their audio details, then its file greetings that no `media.*` names (type
   * `file`, not active: one platform, so a greeting uploaded through one face shows through the others);
   * a greeting whose media is gone is left out.
   */
  async of(
    tenantId: string,
    vmboxId: string,
    doc: JsonObject,
  ): Promise<{ vmbox_id: string; greetings: BoxGreeting[] }> {
    const ids = greetingIdsOf(doc);
    const found: BoxGreeting[] = [];
    for (const t of GREETING_TYPES) {
      const id = ids[t];
      if (typeof id !== 'string' || !HEX_ID.test(id)) continue;
      const d = await this.find(tenantId, id);
      if (!d) continue;
      found.push({
        type: t,
        media_id: d.id,
        file: d.name,
        active: false,
        ...(d.format ? { format: d.format } : {}),
        ...(d.content_type ? { content_type: d.content_type } : {}),
        ...(d.size !== undefined ? { size: d.size } : {}),
        ...(d.duration_ms !== undefined ? { duration_ms: d.duration_ms } : {}),
        ...(d.uploaded_at ? { uploaded_at: d.uploaded_at } : {}),
      });
    }
    const active = activeGreetings(
      found.filter((g) => g.size !== undefined).map((g) => g.type as GreetingType),
    );
    for (const g of found) g.active = active.includes(g.type as GreetingType);
    const named = new Set(found.map((g) => g.media_id));
    for (const d of await this.files(tenantId, vmboxId)) {
      if (named.has(d.id) || d.size === undefined) continue;
      found.push({
        type: 'file',
        media_id: d.id,
        file: d.name,
        active: false,
        ...(d.format ? { format: d.format } : {}),
        ...(d.content_type ? { content_type: d.content_type } : {}),
        size: d.size,
        ...(d.duration_ms !== undefined ? { duration_ms: d.duration_ms } : {}),
        ...(d.uploaded_at ? { uploaded_at: d.uploaded_at } : {}),
      });
    }
    return { vmbox_id: vmboxId, greetings: found };
  }

  /** The boxes of the account whose greetings name `cmd.id`. */
  async using(cmd: MediaDocumentIdCommand): Promise<{ vmboxes: VmboxRef[] }> {
    const rows = await this.boxes.usingGreeting(cmd.tenantId, cmd.id);
    return { vmboxes: rows.map((r) => ({ id: r.id, name: r.name ?? '', mailbox: r.mailbox })) };
  }
}
