// Kazoo crossbar: voicemail messages of a box (`/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages`).
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { Body, Controller, Delete, Get, Param, Post, Put, Req, Res, UseInterceptors } from '@nestjs/common';
import archiver from 'archiver';
import type { FastifyReply } from 'fastify';
import {
  Actor,
  ArchiveEntry,
  BulkResult,
  DocReply,
  DomainError,
  ErrorCode,
  formatOfMediaType,
  JsonObject,
  ListReply,
  MESSAGE_FOLDERS,
  MESSAGE_ID,
  MessageAudio,
  MessageUploadTicket,
  Subjects,
  TRANSCODE_TARGETS,
  TranscodeTarget,
} from '@voxmail/contracts';
import { CommandBus } from '../common/command-bus';
import type { GatewayRequest } from '../common/request';
import { eachPart, isJsonPart, isMultipart, readJsonPart } from '../media/multipart';
import { ObjectResponse, openObject, uploadThroughGate } from '../media/object-transfer';
import { sendAudio } from '../application/audio-download';
import { tooLarge, unsupportedAudio } from '../media/audio-gate';
import type { KazooResult } from './envelope';
import { KazooInterceptor } from './kazoo.interceptor';
import { dataOf, listQueryOf, pathId } from './request';

const actorOf = (req: GatewayRequest): Actor => req.actor!;

const invalid = (field: string, rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { [rule]: { message } } });

function messageId(v: string): string {
  if (!MESSAGE_ID.test(v))
    throw new DomainError(ErrorCode.NotFound, 'bad identifier', {
      cause: v.slice(0, 64),
      message: 'bad identifier',
    });
  return v;
}

function queryOf(req: GatewayRequest): Record<string, unknown> {
  return (req.query ?? {}) as Record<string, unknown>;
}

function folderOf(req: GatewayRequest, data: JsonObject, allowed: readonly string[]): string | undefined {
  const q = queryOf(req).folder;
  const folder = typeof q === 'string' ? q : data.folder;
  if (folder === undefined) return undefined;
  if (typeof folder !== 'string' || !allowed.includes(folder)) {
    throw invalid('folder', 'enum', `Value not found in enumerated list of values: ${allowed.join(', ')}`);
  }
  return folder;
}

/** A message document as Kazoo shows it: no `id` key (its `media_id` is the id). */
function messageResult(r: DocReply, status = 200): KazooResult {
  const { id: _id, ...data } = r.doc;
  return { data, revision: r.revision, status };
}

function bulkResult(r: BulkResult): KazooResult {
  return { data: { succeeded: r.succeeded, failed: r.failed } };
}

function contentLengthOf(req: GatewayRequest): number | undefined {
  const h = req.headers['content-length'];
  return typeof h === 'string' && /^\d+$/.test(h) ? Number(h) : undefined;
}

/** The format a client asks for with `?format=` or `Accept`, when it is one we can transcode to. */
function wantedFormat(req: GatewayRequest): TranscodeTarget | undefined {
  const q = queryOf(req).format;
  if (typeof q === 'string') {
    if (!(TRANSCODE_TARGETS as readonly string[]).includes(q))
      throw invalid('format', 'enum', `format must be one of ${TRANSCODE_TARGETS.join(', ')}`);
    return q as TranscodeTarget;
  }
  const accept = req.headers.accept;
  if (typeof accept !== 'string') return undefined;
  for (const t of accept.split(',')) {
    const f = formatOfMediaType(t);
    if (f && (TRANSCODE_TARGETS as readonly string[]).includes(f)) return f as TranscodeTarget;
  }
  return undefined;
}

/** Where an upload failed mid-body: close the connection so the rest of the body is not read. */
function closeAfterReply(reply: FastifyReply): void {
  void reply.header('Connection', 'close');
}

@Controller('v2/accounts/:accountId/vmboxes/:vmboxId/messages')
@UseInterceptors(KazooInterceptor)
export class MessagesController {
  constructor(private readonly bus: CommandBus) {}

  private box(req: GatewayRequest, accountId: string, vmboxId: string) {
    return { tenantId: pathId(accountId), actor: actorOf(req), vmboxId: pathId(vmboxId) };
  }

  @Get()
  async list(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
  ): Promise<KazooResult> {
    const q = queryOf(req);
    const folder = folderOf(req, {}, MESSAGE_FOLDERS);
    const r = await this.bus.execute<ListReply>(Subjects.Message.List, {
      ...this.box(req, a, b),
      query: listQueryOf(req),
      folder,
      explicitOrder: q.ascending !== undefined || q.descending !== undefined,
    });
    // Kazoo's paginated listing (`?paginate=true`, as the document shows it) keys each message by its box
    const items = q.paginate === 'true' ? r.items.map((m) => ({ [b]: m })) : r.items;
    return {
      data: items,
      revision: r.revision,
      page: {
        page_size: r.items.length,
        ...(r.startKey ? { start_key: r.startKey } : {}),
        ...(r.nextStartKey ? { next_start_key: r.nextStartKey } : {}),
      },
    };
  }

  /** Create from JSON metadata, or from `multipart/mixed` with a JSON part and an audio part. */
  @Put()
  async create(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const box = this.box(req, a, b);
    const contentType = req.headers['content-type'];
    if (!isMultipart(contentType)) {
      return messageResult(
        await this.bus.execute<DocReply>(Subjects.Message.Create, { ...box, doc: dataOf(body) }),
        201,
      );
    }
    if (!(body instanceof Readable))
      throw new DomainError(ErrorCode.BadRequest, 'the multipart body is empty');
    let doc: JsonObject | undefined;
    let ticket: MessageUploadTicket | undefined;
    const onePartEach = () => new DomainError(ErrorCode.BadRequest, 'send one JSON part and one audio part');
    try {
      // parts in either order: with the JSON part first its metadata is checked before any audio is
      // taken; with the audio first, when the message is created (the audio is never held to wait)
      await eachPart(body, contentType!, async (part) => {
        if (isJsonPart(part)) {
          if (doc !== undefined) throw onePartEach();
          doc = dataOf(await readJsonPart(part.stream));
          return;
        }
        if (ticket) throw onePartEach();
        ticket = await this.bus.executeMedia<MessageUploadTicket>(Subjects.Message.BeginUpload, {
          ...box,
          doc: doc ?? {},
        });
        await uploadThroughGate(part.stream, ticket.url, ticket.maxBytes);
      });
      if (doc === undefined)
        throw invalid('data', 'required', 'The multipart body needs a JSON part with {"data": {...}}');
      const r = await this.bus.executeMedia<DocReply>(Subjects.Message.Create, {
        ...box,
        doc,
        uploadId: ticket?.uploadId,
      });
      return messageResult(r, 201);
    } catch (e) {
      closeAfterReply(reply);
      if (ticket) await this.abort(box, ticket.uploadId);
      throw e;
    }
  }

  private async abort(
    box: { tenantId: string; actor: Actor; vmboxId: string },
    uploadId: string,
  ): Promise<void> {
    await this.bus.execute(Subjects.Message.AbortUpload, { ...box, uploadId }).catch(() => undefined);
  }

  /** Bulk folder change, move or copy: `{"data": {"messages": [...], "folder"|"source_id"}}`. */
  @Post()
  async bulkChange(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ) {
    const data = dataOf(body);
    if (!Array.isArray(data.messages))
      throw invalid('messages', 'type', 'messages must be a list of message ids');
    const r = await this.bus.execute<BulkResult>(Subjects.Message.BulkChange, {
      ...this.box(req, a, b),
      messages: data.messages,
      folder: folderOf(req, data, ['new', 'saved']),
      sourceId: data.source_id,
    });
    return bulkResult(r);
  }

  /** Delete all messages, those of `?folder=`, or `{"data": {"messages": [...]}}`. */
  @Delete()
  async bulkDelete(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ) {
    const data = dataOf(body, false);
    if (data.messages !== undefined && !Array.isArray(data.messages))
      throw invalid('messages', 'type', 'messages must be a list of message ids');
    const r = await this.bus.execute<BulkResult>(Subjects.Message.BulkDelete, {
      ...this.box(req, a, b),
      messages: data.messages,
      folder: folderOf(req, data, MESSAGE_FOLDERS),
    });
    return bulkResult(r);
  }

  @Get(':messageId')
  async get(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Param('messageId') id: string,
  ) {
    return messageResult(
      await this.bus.execute<DocReply>(Subjects.Message.Get, { ...this.box(req, a, b), id: messageId(id) }),
    );
  }

  /** Folder change (`?folder=` or `{"folder"}`), move (`source_id` a box id) or copy (`source_id` a list). */
  @Post(':messageId')
  async change(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Param('messageId') id: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const data = dataOf(body, false);
    const r = await this.bus.execute<DocReply | BulkResult>(Subjects.Message.Change, {
      ...this.box(req, a, b),
      id: messageId(id),
      folder: folderOf(req, data, ['new', 'saved']),
      sourceId: data.source_id,
    });
    return 'succeeded' in r ? bulkResult(r) : messageResult(r);
  }

  @Delete(':messageId')
  async delete(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Param('messageId') id: string,
  ) {
    return messageResult(
      await this.bus.execute<DocReply>(Subjects.Message.Delete, {
        ...this.box(req, a, b),
        id: messageId(id),
      }),
    );
  }

  /** The audio of a message, raw (`audio/*`) or as the single audio part of a `multipart/mixed` body. */
  @Put(':messageId/raw')
  async upload(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Param('messageId') id: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const box = this.box(req, a, b);
    const msgId = messageId(id);
    if (!(body instanceof Readable)) throw unsupportedAudio();
    const ticket = await this.bus.executeMedia<MessageUploadTicket>(Subjects.Message.BeginUpload, {
      ...box,
      id: msgId,
    });
    try {
      const contentType = req.headers['content-type'];
      if (isMultipart(contentType)) {
        let seen = false;
        await eachPart(body, contentType!, async (part) => {
          if (seen || isJsonPart(part)) return void part.stream.resume();
          seen = true;
          await uploadThroughGate(part.stream, ticket.url, ticket.maxBytes);
        });
        if (!seen) throw invalid('content', 'required', 'The multipart body needs an audio part');
      } else {
        const length = contentLengthOf(req);
        if (length !== undefined && length > ticket.maxBytes) throw tooLarge(ticket.maxBytes);
        await uploadThroughGate(body, ticket.url, ticket.maxBytes, length);
      }
      return messageResult(
        await this.bus.executeMedia<DocReply>(Subjects.Message.AttachMedia, {
          ...box,
          id: msgId,
          uploadId: ticket.uploadId,
        }),
      );
    } catch (e) {
      closeAfterReply(reply);
      await this.abort(box, ticket.uploadId);
      throw e;
    }
  }
}

/** Binary answers: a message's audio (with Range) and ZIP archives, streamed from the object store. */
@Controller('v2/accounts/:accountId/vmboxes/:vmboxId/messages')
export class MessagesRawController {
  constructor(private readonly bus: CommandBus) {}

  @Get(':messageId/raw')
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Param('messageId') id: string,
  ): Promise<void> {
    const audio = await this.bus.executeMedia<MessageAudio>(Subjects.Message.Audio, {
      tenantId: pathId(a),
      actor: actorOf(req),
      vmboxId: pathId(b),
      id: messageId(id),
      format: wantedFormat(req),
    });
    await sendAudio(req, reply, audio);
  }

  /** `POST .../messages/raw` with `{"data": {"messages": [...]}}`: a ZIP streamed while it is built. */
  @Post('raw')
  async archive(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ): Promise<void> {
    const data = dataOf(body);
    if (!Array.isArray(data.messages) || !data.messages.length) {
      throw invalid('messages', 'required', 'messages must be a non-empty list of message ids');
    }
    const entries = await this.bus.executeMedia<ArchiveEntry[]>(Subjects.Message.Archive, {
      tenantId: pathId(a),
      actor: actorOf(req),
      vmboxId: pathId(b),
      messages: data.messages,
    });
    // audio is already compressed: store entries, which also keeps the gateway's work per byte small
    const zip = archiver('zip', { store: true });
    zip.on('warning', () => undefined);
    void reply
      .status(200)
      .header('Content-Type', 'application/zip')
      .header('Content-Disposition', `attachment; filename="voicemails-${pathId(b)}.zip"`);
    // a client that hangs up destroys the ZIP: stop, and release the store response being copied
    const gone = new AbortController();
    let current: ObjectResponse | undefined;
    zip.once('close', () => {
      gone.abort();
      current?.body.destroy();
    });
    void (async () => {
      for (const e of entries) {
        if (gone.signal.aborted) return;
        const upstream = (current = await openObject(e.url));
        if (gone.signal.aborted) return void upstream.body.destroy();
        if (upstream.status !== 200) {
          upstream.body.resume();
          throw new Error(`object store answered ${upstream.status} for ${e.id}`);
        }
        const added = once(zip, 'entry', { signal: gone.signal });
        zip.append(upstream.body, { name: e.name });
        await added; // one entry at a time: never more than one store response open
      }
      await zip.finalize();
    })().catch((e: Error) => {
      current?.body.destroy();
      if (!gone.signal.aborted) zip.destroy(e);
    });
    await reply.send(zip);
  }
}
