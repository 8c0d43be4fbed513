// Kazoo crossbar media: an account's greetings and prompts (name, description, media_source, and the
// audio's content_type, duration_ms and size), with their raw audio uploaded and downloaded under `/raw`.
import { Readable } from 'node:stream';
import { Body, Delete, Get, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  MediaDocumentRequestSchema,
  MediaDocumentSchema,
  Actor,
  Commands,
  contentRevision,
  DomainError,
  ErrorCode,
  JsonObject,
  MediaDocument,
  MediaDocumentFields,
} from '@voxmail/contracts';
import { AUDIO_ANSWER, AudioDownloads } from '../../application/audio-download';
import { BodySchema, MULTIPART_AUDIO, RAW_AUDIO, Responds, UploadBody } from '../../common/openapi-meta';
import { AudioIntake } from '../../application/audio-intake';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { uploadMediaAudio } from './media-audio';
import { AccountId, MediaId } from './params';
import { dataOf, invalid } from './request';
import { unsupportedAudio } from '../../application/audio-gate';

const actorOf = (req: GatewayRequest): Actor => req.actor!;

/** The fields of Kazoo's media document the platform keeps; the rest of a client's document is refused. */
function mediaFieldsOf(data: JsonObject): MediaDocumentFields {
  const out: MediaDocumentFields = {};
  for (const key of ['name', 'description', 'media_source'] as const) {
    const v = data[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw invalid(key, 'type', `${key} must be a string`);
    if (key === 'media_source' && v !== 'upload')
      throw invalid(key, 'enum', 'media_source must be "upload" (text-to-speech is not served)');
    out[key as 'name'] = v;
  }
  const kind = data.kind ?? (data.type === 'greeting' || data.type === 'prompt' ? data.type : undefined);
  if (kind !== undefined) {
    if (kind !== 'greeting' && kind !== 'prompt')
      throw invalid('kind', 'enum', 'kind must be greeting or prompt');
    out.kind = kind;
  }
  return out;
}

function mediaResult(d: MediaDocument, status = 200): KazooResult {
  return { data: d as unknown as JsonObject, revision: contentRevision(d as unknown as JsonObject), status };
}

const MEDIA = Responds({ schema: MediaDocumentSchema });

@KazooController('accounts/:accountId/media')
export class MediaController {
  constructor(
    private readonly bus: CommandBus,
    private readonly intake: AudioIntake,
  ) {}

  @Get()
  @Responds({ schema: { type: 'array', items: MediaDocumentSchema } })
  async list(@Req() req: GatewayRequest, @AccountId() accountId: string): Promise<KazooResult> {
    const docs = await this.bus.send(Commands.MediaDocumentList, {
      tenantId: accountId,
      actor: actorOf(req),
    });
    return {
      data: docs as unknown as JsonObject[],
      revision: contentRevision(docs as unknown as JsonObject[]),
      page: { page_size: docs.length },
    };
  }

  @Put()
  @BodySchema({ ...MediaDocumentRequestSchema, required: ['name'] })
  @MEDIA
  async create(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const doc = mediaFieldsOf(dataOf(body));
    if (!doc.name) throw invalid('name', 'required', 'Field is required but missing');
    return mediaResult(
      await this.bus.send(Commands.MediaDocumentCreate, {
        tenantId: accountId,
        actor: actorOf(req),
        doc,
      }),
      201,
    );
  }

  @Get(':mediaId')
  @MEDIA
  async get(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @MediaId() mediaId: string,
  ): Promise<KazooResult> {
    return mediaResult(
      await this.bus.send(Commands.MediaDocumentGet, {
        tenantId: accountId,
        actor: actorOf(req),
        id: mediaId,
      }),
    );
  }

  @Post(':mediaId')
  @BodySchema(MediaDocumentRequestSchema)
  @MEDIA
  async update(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @MediaId() mediaId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return mediaResult(
      await this.bus.send(Commands.MediaDocumentUpdate, {
        tenantId: accountId,
        actor: actorOf(req),
        id: mediaId,
        doc: mediaFieldsOf(dataOf(body)),
      }),
    );
  }

  @Patch(':mediaId')
  @Responds({ errors: [405] })
  patch(): never {
    throw new DomainError(ErrorCode.MethodNotAllowed, 'media documents take POST to change them');
  }

  @Delete(':mediaId')
  @MEDIA
  async remove(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @MediaId() mediaId: string,
  ): Promise<KazooResult> {
    const d = await this.bus.send(Commands.MediaDocumentDelete, {
      tenantId: accountId,
      actor: actorOf(req),
      id: mediaId,
    });
    return mediaResult({ ...d, _read_only: { deleted: true } } as MediaDocument);
  }

  /** The audio, raw (`audio/*`) or as the audio part of a multipart body; replaces any earlier audio. */
  @Put(':mediaId/raw')
  @UploadBody({ ...RAW_AUDIO, ...MULTIPART_AUDIO })
  @Responds({ schema: MediaDocumentSchema, status: 200, errors: [402] })
  async upload(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @AccountId() accountId: string,
    @MediaId() mediaId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const tenantId = accountId;
    const id = mediaId;
    const actor = actorOf(req);
    if (!(body instanceof Readable)) throw unsupportedAudio();
    // the document must exist (and be this account's) before any byte is taken
    const doc = await this.bus.send(Commands.MediaDocumentGet, { tenantId, actor, id });
    return mediaResult(
      await uploadMediaAudio(this.intake, this.bus, req, reply, body, {
        tenantId,
        actor,
        id,
        kind: doc.kind,
      }),
    );
  }
}

/** The raw audio download streams itself: no Kazoo envelope interceptor on this controller. */
@KazooController('accounts/:accountId/media', { envelope: false })
export class MediaRawController {
  constructor(
    private readonly bus: CommandBus,
    private readonly downloads: AudioDownloads,
  ) {}

  @Get(':mediaId/raw')
  @Responds(AUDIO_ANSWER)
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @AccountId() accountId: string,
    @MediaId() mediaId: string,
  ): Promise<void> {
    const audio = await this.bus.sendMedia(Commands.MediaDocumentAudio, {
      tenantId: accountId,
      id: mediaId,
      actor: actorOf(req),
    });
    await this.downloads.send(req, reply, audio);
  }
}
