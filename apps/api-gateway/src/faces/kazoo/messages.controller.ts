// Kazoo crossbar: voicemail messages of a box (`/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages`).
import { Readable } from 'node:stream';
import { Body, Delete, Get, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  Actor,
  BulkResult,
  Commands,
  DocReply,
  DomainError,
  ErrorCode,
  JsonObject,
  BulkResultSchema,
  MESSAGE_FOLDERS,
  MessageBulkSchema,
  MessageDocSchema,
  MessageSchema,
  MessageFolder,
  messageMetadataOf,
} from '@voxmail/contracts';
import { AudioIntake } from '../../application/audio-intake';
import { unsupportedAudio } from '../../application/audio-gate';
import { isJsonPart, isMultipart, readJsonPart } from '../../application/multipart';
import { CommandBus } from '../../common/command-bus';
import { BodySchema, MULTIPART_AUDIO, RAW_AUDIO, Responds, UploadBody } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { kazooAudioSource, missingAudioPart } from './media-audio';
import { searchQueryOf } from './message-search.controller';
import { AccountId, Box, CurrentActor, MessageId, VmboxId } from './params';
import { dataOf, invalid, listQueryOf } from './request';

function queryOf(req: GatewayRequest): Record<string, unknown> {
  return (req.query ?? {}) as Record<string, unknown>;
}

function folderOf<F extends string>(
  req: GatewayRequest,
  data: JsonObject,
  allowed: readonly F[],
): F | undefined {
  const q = queryOf(req).folder;
  const folder = typeof q === 'string' ? q : data.folder;
  if (folder === undefined) return undefined;
  if (typeof folder !== 'string' || !(allowed as readonly string[]).includes(folder)) {
    throw invalid('folder', 'enum', `Value not found in enumerated list of values: ${allowed.join(', ')}`);
  }
  return folder as F;
}

const VISIBLE = ['new', 'saved'] as const;

/** The message ids of a bulk body: a list is all the gateway checks; message-service checks each id. */
const idsOf = (v: unknown) => v as string[];
/** `source_id`: a box id (move) or a list of box ids (copy); message-service validates it. */
const sourceOf = (v: unknown) => v as string | string[] | undefined;

/** A message document as Kazoo shows it: no `id` key (its `media_id` is the id). */
function messageResult(r: DocReply, status = 200): KazooResult {
  const { id: _id, ...data } = r.doc;
  return { data, revision: r.revision, status };
}

function bulkResult(r: BulkResult): KazooResult {
  return { data: { succeeded: r.succeeded, failed: r.failed } };
}

const MESSAGE = Responds({ schema: MessageDocSchema });
const BULK = Responds({ schema: { anyOf: [BulkResultSchema, MessageDocSchema] } });
/** Kazoo's listing, or with `?paginate=true` each message keyed by its box id. */
const MESSAGES = Responds({
  schema: {
    type: 'array',
    items: {
      anyOf: [MessageDocSchema, { type: 'object', maxProperties: 1, additionalProperties: MessageDocSchema }],
    },
  },
});

@KazooController('accounts/:accountId/vmboxes/:vmboxId/messages')
export class MessagesController {
  /**
   * The commands around an upload take the normal command deadline (a replica that died is a 503 in
   * seconds): only the transfer to the store is long, and the audio is measured while it streams, so the
   * commit need not read it back.
   */
  constructor(
    private readonly bus: CommandBus,
    private readonly intake: AudioIntake,
  ) {}

  @Get()
  @MESSAGES
  async list(@Req() req: GatewayRequest, @Box() box: Box): Promise<KazooResult> {
    const q = queryOf(req);
    const folder = folderOf<MessageFolder>(req, {}, MESSAGE_FOLDERS);
    const r = await this.bus.send(Commands.MessageList, {
      ...box,
      query: listQueryOf(req),
      folder,
      explicitOrder: q.ascending !== undefined || q.descending !== undefined,
      q: searchQueryOf(req),
    });
    // Kazoo's paginated listing (`?paginate=true`, as the document shows it) keys each message by its box
    const items = q.paginate === 'true' ? r.items.map((m) => ({ [box.vmboxId]: m })) : r.items;
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
  @BodySchema(MessageSchema, { content: MULTIPART_AUDIO })
  @Responds({ schema: MessageDocSchema, errors: [402] })
  async create(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @AccountId() tenantId: string,
    @VmboxId() vmboxId: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const box = { tenantId, actor, vmboxId };
    const contentType = req.headers['content-type'];
    if (!isMultipart(contentType))
      return messageResult(await this.bus.send(Commands.MessageCreate, { ...box, doc: dataOf(body) }), 201);
    if (!(body instanceof Readable))
      throw new DomainError(ErrorCode.BadRequest, 'the multipart body is empty');
    const onePartEach = () => new DomainError(ErrorCode.BadRequest, 'send one JSON part and one audio part');
    // the parts in either order: the JSON part is kept until the message is created (its metadata, first
    // in the body, is checked before any audio is taken). The upload is the account's until message-service
    // creates the message and names it (its id follows the metadata's timestamp, whichever part came first):
    // one reservation, then one create that commits the audio, and nothing is kept of a refused deposit.
    let doc: JsonObject | undefined;
    return this.intake.take(
      reply,
      {
        body,
        contentType: contentType!,
        parts: {
          isAudio: (part) => !isJsonPart(part),
          other: async (part) => {
            if (doc !== undefined) throw onePartEach();
            doc = dataOf(await readJsonPart(part.stream));
            messageMetadataOf(doc);
          },
          secondAudio: onePartEach,
        },
      },
      {
        reserve: () => this.bus.send(Commands.MediaUploadTicket, { tenantId, actor, kind: 'message' }),
        abort: (t) => this.bus.send(Commands.MediaAbort, { tenantId, actor, uploadId: t.uploadId }),
        attach: async (audio) => {
          if (doc === undefined)
            throw invalid('data', 'required', 'The multipart body needs a JSON part with {"data": {...}}');
          const r = await this.bus.send(Commands.MessageCreate, {
            ...box,
            doc,
            uploadId: audio?.ticket.uploadId,
            facts: audio?.facts,
          });
          return messageResult(r, 201);
        },
      },
    );
  }

  /** Bulk folder change, move or copy: `{"data": {"messages": [...], "folder"|"source_id"}}`. */
  @Post()
  @BodySchema(MessageBulkSchema)
  @Responds({ schema: BulkResultSchema, status: 200 })
  async bulkChange(@Req() req: GatewayRequest, @Box() box: Box, @Body() body: unknown) {
    const data = dataOf(body);
    if (!Array.isArray(data.messages))
      throw invalid('messages', 'type', 'messages must be a list of message ids');
    const r = await this.bus.send(Commands.MessageBulkChange, {
      ...box,
      messages: idsOf(data.messages),
      folder: folderOf(req, data, VISIBLE),
      sourceId: sourceOf(data.source_id),
    });
    return bulkResult(r);
  }

  /** Delete all messages, those of `?folder=`, or `{"data": {"messages": [...]}}`. */
  @Delete()
  @BodySchema(MessageBulkSchema, { optional: true })
  @Responds({ schema: BulkResultSchema })
  async bulkDelete(@Req() req: GatewayRequest, @Box() box: Box, @Body() body: unknown) {
    const data = dataOf(body, false);
    if (data.messages !== undefined && !Array.isArray(data.messages))
      throw invalid('messages', 'type', 'messages must be a list of message ids');
    const r = await this.bus.send(Commands.MessageBulkDelete, {
      ...box,
      messages: data.messages === undefined ? undefined : idsOf(data.messages),
      folder: folderOf<MessageFolder>(req, data, MESSAGE_FOLDERS),
    });
    return bulkResult(r);
  }

  @Get(':messageId')
  @MESSAGE
  async get(@Box() box: Box, @MessageId() id: string) {
    return messageResult(await this.bus.send(Commands.MessageGet, { ...box, id }));
  }

  /** Folder change (`?folder=` or `{"folder"}`), move (`source_id` a box id) or copy (`source_id` a list). */
  @Post(':messageId')
  @BodySchema(MessageBulkSchema, { optional: true })
  @BULK
  async change(
    @Req() req: GatewayRequest,
    @Box() box: Box,
    @MessageId() id: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const data = dataOf(body, false);
    const r = await this.bus.send(Commands.MessageChange, {
      ...box,
      id,
      folder: folderOf(req, data, VISIBLE),
      sourceId: sourceOf(data.source_id),
    });
    return 'succeeded' in r ? bulkResult(r) : messageResult(r);
  }

  @Delete(':messageId')
  @MESSAGE
  async delete(@Box() box: Box, @MessageId() id: string) {
    return messageResult(await this.bus.send(Commands.MessageDelete, { ...box, id }));
  }

  /** The audio of a message, raw (`audio/*`) or as the single audio part of a `multipart/mixed` body. */
  @Put(':messageId/raw')
  @UploadBody({ ...RAW_AUDIO, ...MULTIPART_AUDIO })
  @Responds({ schema: MessageDocSchema, status: 200, errors: [402] })
  async upload(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @AccountId() tenantId: string,
    @VmboxId() vmboxId: string,
    @MessageId() id: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const box = { tenantId, actor, vmboxId };
    if (!(body instanceof Readable)) throw unsupportedAudio();
    return this.intake.take(reply, kazooAudioSource(req, body), {
      // the message must exist (and be reachable) before any byte is taken
      reserveFirst: true,
      reserve: () => this.bus.send(Commands.MessageBeginUpload, { ...box, id }),
      abort: (t) => this.bus.send(Commands.MessageAbortUpload, { ...box, uploadId: t.uploadId }),
      missingAudio: missingAudioPart,
      attach: async (audio) =>
        messageResult(
          await this.bus.send(Commands.MessageAttachMedia, {
            ...box,
            id,
            uploadId: audio!.ticket.uploadId,
            facts: audio!.facts,
          }),
        ),
    });
  }
}
