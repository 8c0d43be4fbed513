// Kazoo-shaped box greetings: `GET .../vmboxes/{id}/greetings` lists what the box's `media.*` name, with
// file name, type, format, size, duration and upload time; `PUT .../greetings/{type}` uploads one directly.
import { Readable } from 'node:stream';
import { Get, Param, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  BoxGreetingSchema,
  Actor,
  Commands,
  contentRevision,
  DomainError,
  ErrorCode,
  GREETING_TYPES,
  GreetingType,
  JsonObject,
  VmboxGreetingsReply,
} from '@voxmail/contracts';
import { AudioIntake } from '../../application/audio-intake';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { MULTIPART_AUDIO, RAW_AUDIO, Responds, UploadBody } from '../../common/openapi-meta';
import { KazooController } from './kazoo.controller';
import { uploadMediaAudio } from './media-audio';
import { AccountId, VmboxId } from './params';
import { unsupportedAudio } from '../../application/audio-gate';

const actorOf = (req: GatewayRequest): Actor => req.actor!;

function greetingsResult(r: VmboxGreetingsReply): KazooResult {
  const data = r.greetings as unknown as JsonObject[];
  return { data, revision: contentRevision(data), page: { page_size: data.length } };
}

function greetingType(type: string): GreetingType {
  if (!(GREETING_TYPES as readonly string[]).includes(type))
    throw new DomainError(ErrorCode.NotFound, `greeting type must be one of ${GREETING_TYPES.join(', ')}`);
  return type as GreetingType;
}

@KazooController('accounts/:accountId/vmboxes/:vmboxId/greetings')
export class GreetingsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly intake: AudioIntake,
  ) {}

  @Get()
  @Responds({ schema: { type: 'array', items: BoxGreetingSchema } })
  async list(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @VmboxId() vmboxId: string,
  ): Promise<KazooResult> {
    return greetingsResult(
      await this.bus.send(Commands.VmboxGreetings, {
        tenantId: accountId,
        actor: actorOf(req),
        id: vmboxId,
      }),
    );
  }

  /**
   * The audio (raw `audio/*`, or the audio part of a multipart body) becomes the box's `type` greeting:
   * into the media document the box already names for it, or a new one the box then names.
   */
  @Put(':type')
  @UploadBody({ ...RAW_AUDIO, ...MULTIPART_AUDIO })
  @Responds({
    status: 201,
    schema: BoxGreetingSchema,
    more: { 200: { description: 'the greeting replaced (the box already had one of this type)' } },
    errors: [402],
  })
  async upload(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @AccountId() accountId: string,
    @VmboxId() vmboxId: string,
    @Param('type') typeParam: string,
  ): Promise<KazooResult> {
    const tenantId = accountId;
    const id = vmboxId;
    const type = greetingType(typeParam);
    const actor = actorOf(req);
    const body = req.body;
    if (!(body instanceof Readable)) throw unsupportedAudio();
    // the box must be visible to the caller before anything is created or read
    const current = await this.bus.send(Commands.VmboxGreetings, { tenantId, actor, id });
    const box = await this.bus.send(Commands.VmboxGet, { tenantId, actor, id });
    let mediaId = current.greetings.find((g) => g.type === type)?.media_id;
    const created = !mediaId;
    if (!mediaId) {
      const name = `${String(box.doc.name ?? box.doc.mailbox ?? id)} ${type}`.slice(0, 120);
      mediaId = (
        await this.bus.send(Commands.MediaDocumentCreate, {
          tenantId,
          actor,
          doc: { name, kind: 'greeting', media_source: 'upload' },
          // made for this box: its owner (a user) may then upload the audio
          forVmboxId: id,
        })
      ).id;
    }
    try {
      await uploadMediaAudio(this.intake, this.bus, req, reply, body, {
        tenantId,
        actor,
        id: mediaId,
        kind: 'greeting',
      });
    } catch (e) {
      // a document made for this upload goes with it
      if (created)
        await this.bus
          .send(Commands.MediaDocumentDelete, { tenantId, actor, id: mediaId })
          .catch(() => undefined);
      throw e;
    }
    if (created)
      await this.bus.send(Commands.VmboxUpdate, {
        tenantId,
        actor,
        id,
        mode: 'merge',
        doc: { media: { [type]: mediaId } },
      });
    const after = await this.bus.send(Commands.VmboxGreetings, { tenantId, actor, id });
    const g = after.greetings.find((x) => x.type === type);
    return {
      data: (g ?? {}) as unknown as JsonObject,
      revision: contentRevision((g ?? {}) as unknown as JsonObject),
      status: created ? 201 : 200,
    };
  }
}
