// Media objects: upload tickets, verification of what was uploaded, presigned reads, copies, renditions
// (ffmpeg) and deletion. The only code that talks to the object store.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat as fileStat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AudioFacts,
  AudioInspection,
  CONTENT_TYPE_OF,
  DomainError,
  DownloadTicket,
  ErrorCode,
  EventDef,
  Events,
  MediaEventData,
  newEvent,
  MediaCommitCommand,
  MediaCopyCommand,
  MediaDownloadCommand,
  MediaUploadCommand,
  MediaUploadTicketCommand,
  newId,
  NewEvent,
  measureAudio,
  SNIFF_BYTES,
  sniffAudio,
  StoredMedia,
  TranscodeTarget,
  UNSUPPORTED_AUDIO_MESSAGE,
  UploadTicket,
} from '@voxmail/contracts';
import { AccountAccess, appendEvents } from '@voxmail/messaging';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { ObjectStore } from '../storage/object-store';
import { MEDIA_SCHEMA } from '../tokens';
import { runFfmpeg } from './ffmpeg';
import { MediaObjectEntity } from './media-object.entity';
import { MediaRepository } from './media.repository';
import { StorageQuota } from './storage-quota';

export function storedMedia(o: MediaObjectEntity): StoredMedia {
  return {
    object_id: o.id,
    owner_id: o.ownerId,
    content_type: o.contentType!,
    format: o.format!,
    size: o.size!,
    sha256: o.sha256!,
    duration_ms: o.durationMs!,
  };
}

export { redactUrls } from './ffmpeg';

const FFMPEG_ARGS: Record<TranscodeTarget, string[]> = {
  mp3: ['-vn', '-codec:a', 'libmp3lame', '-q:a', '5', '-f', 'mp3'],
  wav: ['-vn', '-codec:a', 'pcm_s16le', '-f', 'wav'],
};

@Injectable()
export class MediaService {
  private readonly log = new Logger(MediaService.name);
  /** Renditions being made now, by object and format: a second request waits for the first's. */
  private readonly making = new Map<string, Promise<MediaObjectEntity>>();
  /** Transcodes running in this replica, in all and per account (MEDIA_TRANSCODE_*). */
  private transcoding = 0;
  private readonly transcodingOf = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly objects: MediaRepository,
    private readonly store: ObjectStore,
    @Inject(MEDIA_SETTINGS) private readonly settings: MediaSettings,
    private readonly quota: StorageQuota,
    private readonly access: AccountAccess,
  ) {}

  private keyOf(tenantId: string, kind: string, id: string): string {
    return `${tenantId}/${kind}/${id}`;
  }

  /** A presigned PUT for one upload, recorded as pending until committed (the sweeper removes it otherwise). */
  async uploadTicket(cmd: MediaUploadTicketCommand): Promise<UploadTicket> {
    // the gateway asks for a deposit's ticket itself: the one tenancy rule before any byte is taken
    await this.access.require(cmd.actor, cmd.tenantId);
    const id = newId();
    const key = this.keyOf(cmd.tenantId, cmd.kind, id);
    const limit = this.settings.maxBytes[cmd.kind];
    const maxBytes = Math.min(cmd.maxBytes ?? limit, limit);
    const expiresAt = new Date(Date.now() + this.settings.presignTtlS * 1000);
    const url = await this.store.presignPut(key, this.settings.presignTtlS);
    await this.objects.insert(undefined, {
      id,
      tenantId: cmd.tenantId,
      kind: cmd.kind,
      key,
      ownerId: cmd.ownerId ?? '',
      status: 'pending',
      claimed: false,
      maxBytes,
      expiresAt,
    });
    return { uploadId: id, url, maxBytes, expiresAt: expiresAt.toISOString() };
  }

  /** Drops an upload that will not be committed: its bytes (if any) and its row. */
  async abort(cmd: MediaUploadCommand): Promise<{ aborted: boolean }> {
    const o = await this.objects.find(cmd.tenantId, cmd.uploadId);
    if (!o || o.status !== 'pending') return { aborted: false };
    await this.store.remove(o.key);
    await this.objects.remove(undefined, cmd.tenantId, [o.id]);
    return { aborted: true };
  }

  /** Refuses an upload: nothing of it is left behind. */
  private async refuse(o: MediaObjectEntity, error: DomainError): Promise<never> {
    await this.store.remove(o.key);
    await this.objects.remove(undefined, o.tenantId, [o.id]);
    throw error;
  }

  /**
   * Verifies what was uploaded under a ticket: audio of a supported format (from its first bytes), within
   * the size limit and the caller's length limit; records size, sha256, content type and duration. With
   * the gateway's `facts` (measured while streaming) only the size and the first bytes are read back;
   * without them (or when they disagree) the whole object is read once. Committing again answers the
   * same record.
   */
  async commit(cmd: MediaCommitCommand): Promise<StoredMedia> {
    const o = await this.objects.find(cmd.tenantId, cmd.uploadId);
    if (!o) throw DomainError.notFound('no such upload');
    if (o.status === 'stored') return storedMedia(o);
    const stat = await this.store.stat(o.key);
    if (!stat) throw new DomainError(ErrorCode.BadRequest, 'no audio was uploaded');
    if (stat.size > o.maxBytes) {
      return this.refuse(
        o,
        new DomainError(ErrorCode.PayloadTooLarge, `the audio is larger than ${o.maxBytes} bytes`, {
          max_bytes: o.maxBytes,
        }),
      );
    }
    const found =
      (cmd.facts && (await this.verifyFacts(o.key, stat.size, cmd.facts))) ||
      (await measureAudio(await this.store.read(o.key), stat.size));
    if (!found.format)
      return this.refuse(o, new DomainError(ErrorCode.UnsupportedMediaType, UNSUPPORTED_AUDIO_MESSAGE));
    if (!found.durationMs || found.durationMs <= 0) {
      return this.refuse(
        o,
        new DomainError(
          ErrorCode.UnsupportedMediaType,
          `no playable ${found.format} audio found in the upload`,
        ),
      );
    }
    if (cmd.maxDurationMs && found.durationMs > cmd.maxDurationMs) {
      return this.refuse(
        o,
        new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
          length: {
            maximum: {
              message: `The message is ${Math.ceil(found.durationMs / 1000)} s long; the box accepts at most ${cmd.maxDurationMs / 1000} s (max_message_length)`,
              target: cmd.maxDurationMs,
            },
          },
        }),
      );
    }
    const committed = this.ds.transaction(async (m) => {
      const row = await this.objects.lock(cmd.tenantId, o.id, m);
      if (!row) throw DomainError.notFound('no such upload');
      if (row.status === 'stored') return storedMedia(row);
      // the account's max_storage_bytes: counted under its lock, in this transaction
      await this.quota.assertRoom(m, cmd.tenantId, found.size);
      Object.assign(row, {
        ownerId: row.ownerId || cmd.ownerId || '',
        status: 'stored',
        contentType: found.contentType,
        format: found.format,
        size: found.size,
        sha256: found.sha256,
        durationMs: found.durationMs,
        expiresAt: null,
        storedAt: new Date(),
      });
      const saved = await this.objects.save(m, row);
      await appendEvents(m, MEDIA_SCHEMA, [this.event(Events.MediaStored, saved)]);
      return storedMedia(saved);
    });
    return committed.catch(async (e: unknown) => {
      if (!(e instanceof DomainError) || e.code !== ErrorCode.QuotaExceeded) throw e;
      // over the quota: nothing of the upload is kept
      await this.quota.reportIfQuota(cmd.tenantId, e);
      return this.refuse(o, e);
    });
  }

  /**
   * The gateway's measurement of an upload (its gate measured every byte with the platform's one meter,
   * libs/contracts AudioMeter), checked without reading the object: the store's size must be the
   * measured one and the first bytes (one ranged read) must sniff as the measured format. Undefined when
   * they do not agree: the caller then measures the whole object as without facts.
   */
  private async verifyFacts(
    key: string,
    size: number,
    facts: AudioFacts,
  ): Promise<AudioInspection | undefined> {
    if (facts.size !== size) return undefined;
    let head: Buffer;
    try {
      head = await this.store.readHead(key, SNIFF_BYTES);
    } catch {
      return undefined;
    }
    const sniffed = sniffAudio(head, head.length >= size);
    if (!sniffed || sniffed === 'need_more' || sniffed.format !== facts.format) return undefined;
    return { ...facts, contentType: sniffed.contentType };
  }

  /** A presigned GET of a stored object, or of its rendition in another format (made once, on demand). */
  async downloadTicket(cmd: MediaDownloadCommand): Promise<DownloadTicket> {
    const o = await this.objects.find(cmd.tenantId, cmd.objectId);
    if (!o || o.status !== 'stored') throw DomainError.notFound('no such media');
    const target = cmd.format && cmd.format !== o.format ? await this.rendition(o, cmd.format) : o;
    return {
      url: await this.store.presignGet(target.key, this.settings.presignTtlS, target.contentType!),
      content_type: target.contentType!,
      format: target.format!,
      size: target.size!,
    };
  }

  /**
   * The object in `format`: the kept rendition, or one made now (issue 24: one ffmpeg per object and
   * format however many ask at once; audio over MEDIA_TRANSCODE_MAX_DURATION_S is 422; at most
   * MEDIA_TRANSCODES_PER_ACCOUNT running per account, 429 above, and MEDIA_TRANSCODE_CONCURRENCY in all,
   * 503 above).
   */
  private async rendition(o: MediaObjectEntity, format: TranscodeTarget): Promise<MediaObjectEntity> {
    const existing = await this.objects.rendition(o.tenantId, o.id, format);
    if (existing) return existing;
    const limits = this.settings.transcode;
    if ((o.durationMs ?? 0) > limits.maxDurationS * 1000)
      throw new DomainError(
        ErrorCode.Unprocessable,
        `audio longer than ${limits.maxDurationS} s is not transcoded; download it as stored`,
      );
    const key = `${o.id}:${format}`;
    const inFlight = this.making.get(key);
    if (inFlight) return inFlight;
    if ((this.transcodingOf.get(o.tenantId) ?? 0) >= limits.perAccount)
      throw new DomainError(ErrorCode.RateLimited, 'too many transcodes for this account; retry later', {
        retry_after_s: 5,
      });
    if (this.transcoding >= limits.concurrency)
      throw new DomainError(ErrorCode.ServiceUnavailable, 'transcoding is busy; retry later', {
        retry_after_s: 5,
      });
    this.transcoding++;
    this.transcodingOf.set(o.tenantId, (this.transcodingOf.get(o.tenantId) ?? 0) + 1);
    const made = this.makeRendition(o, format).finally(() => {
      this.making.delete(key);
      this.transcoding--;
      const left = (this.transcodingOf.get(o.tenantId) ?? 1) - 1;
      if (left > 0) this.transcodingOf.set(o.tenantId, left);
      else this.transcodingOf.delete(o.tenantId);
    });
    this.making.set(key, made);
    return made;
  }

  private async makeRendition(o: MediaObjectEntity, format: TranscodeTarget): Promise<MediaObjectEntity> {
    const limits = this.settings.transcode;
    const id = newId();
    const key = this.keyOf(o.tenantId, o.kind, id);
    const dir = await mkdtemp(join(tmpdir(), 'voxmail-transcode-'));
    const out = join(dir, `out.${format}`);
    try {
      const source = await this.store.presignGet(o.key, this.settings.presignTtlS);
      // `-fs`: ffmpeg stops writing at the size limit; a rendition that reached it is refused below
      await runFfmpeg(
        this.settings.ffmpegPath,
        [
          '-nostdin',
          '-v',
          'error',
          '-y',
          '-i',
          source,
          ...FFMPEG_ARGS[format],
          '-fs',
          String(limits.maxBytes),
          out,
        ],
        { timeoutMs: limits.timeoutMs, nice: limits.nice, onFailure: (m) => this.log.warn(m) },
      ).done;
      const { size } = await fileStat(out);
      if (size >= limits.maxBytes)
        throw new DomainError(
          ErrorCode.Unprocessable,
          `the ${format} rendition would be larger than ${limits.maxBytes} bytes; download the audio as stored`,
        );
      const contentType = CONTENT_TYPE_OF[format];
      // measured from the local file, while it is stored: not read back from the store (a second
      // transfer of the whole rendition)
      const [found] = await Promise.all([
        measureAudio(createReadStream(out), size),
        this.store.putFile(key, out, contentType),
      ]);
      try {
        return await this.objects.insert(undefined, {
          id,
          tenantId: o.tenantId,
          kind: o.kind,
          key,
          ownerId: o.ownerId,
          status: 'stored',
          claimed: true,
          maxBytes: found.size,
          contentType,
          format,
          size: found.size,
          sha256: found.sha256,
          durationMs: found.durationMs ?? o.durationMs,
          derivedFrom: o.id,
          storedAt: new Date(),
        });
      } catch (e) {
        // another request made the same rendition meanwhile: keep theirs
        await this.store.remove(key);
        const theirs = await this.objects.rendition(o.tenantId, o.id, format);
        if (theirs) return theirs;
        throw e;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A server-side copy under a new id, for a copied message; unclaimed until the copy's event says so. */
  async copy(cmd: MediaCopyCommand): Promise<StoredMedia> {
    const o = await this.objects.find(cmd.tenantId, cmd.objectId);
    if (!o || o.status !== 'stored') throw DomainError.notFound('no such media');
    const id = newId();
    const key = this.keyOf(o.tenantId, o.kind, id);
    await this.store.copy(o.key, key);
    const copied = this.ds.transaction(async (m) => {
      await this.quota.assertRoom(m, o.tenantId, Number(o.size ?? 0));
      const copy = await this.objects.insert(m, {
        id,
        tenantId: o.tenantId,
        kind: o.kind,
        key,
        ownerId: cmd.ownerId,
        status: 'stored',
        claimed: false,
        maxBytes: o.maxBytes,
        contentType: o.contentType,
        format: o.format,
        size: o.size,
        sha256: o.sha256,
        durationMs: o.durationMs,
        storedAt: new Date(),
      });
      await appendEvents(m, MEDIA_SCHEMA, [this.event(Events.MediaStored, copy, { copy_of: o.id })]);
      return storedMedia(copy);
    });
    return copied.catch(async (e: unknown) => {
      if (e instanceof DomainError && e.code === ErrorCode.QuotaExceeded) {
        await this.store.remove(key).catch(() => undefined);
        await this.quota.reportIfQuota(o.tenantId, e);
      }
      throw e;
    });
  }

  async claim(m: EntityManager, tenantId: string, objectId: string): Promise<void> {
    await this.objects.claim(m, tenantId, objectId);
  }

  /** Deletes an object and its renditions (idempotent: a missing one is already deleted). */
  async deleteObject(m: EntityManager, tenantId: string, objectId: string, reason: string): Promise<boolean> {
    const o = await this.objects.lock(tenantId, objectId, m);
    if (!o) return false;
    const all = [...(await this.objects.renditionsOf(tenantId, o.id, m)), o];
    for (const x of all) await this.store.remove(x.key);
    await this.objects.remove(
      m,
      tenantId,
      all.map((x) => x.id),
    );
    if (o.status === 'stored')
      await appendEvents(m, MEDIA_SCHEMA, [this.event(Events.MediaDeleted, o, { reason })]);
    return true;
  }

  /** Removes uploads never committed and message objects no message claimed; returns how many. */
  async sweepAbandoned(limit = 200): Promise<number> {
    return this.ds.transaction(async (m) => {
      const rows = await this.objects.lockAbandoned(m, this.settings.unclaimedTtlS, limit);
      for (const o of rows)
        await this.deleteObject(
          m,
          o.tenantId,
          o.id,
          o.status === 'pending' ? 'upload_abandoned' : 'unclaimed',
        );
      return rows.length;
    });
  }

  private event(
    def: EventDef<string, MediaEventData>,
    o: MediaObjectEntity,
    extra: Partial<MediaEventData> = {},
  ): NewEvent<MediaEventData> {
    return newEvent(def, {
      tenantId: o.tenantId,
      aggregateId: o.id,
      data: {
        object_id: o.id,
        kind: o.kind,
        key: o.key,
        owner_id: o.ownerId,
        content_type: o.contentType,
        format: o.format,
        size: o.size,
        sha256: o.sha256,
        duration_ms: o.durationMs,
        ...extra,
      },
    });
  }
}
