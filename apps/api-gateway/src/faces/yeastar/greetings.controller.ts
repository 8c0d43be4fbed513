// Yeastar voicemail greetings: group boxes (`vm_greeting`, by `owner`) and user boxes
// (`extension_vm_greeting`, by `extension`): upload (multipart, ask/force), list, delete, play link.
import { Readable } from 'node:stream';
import {
  applyDecorators,
  Controller,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  Actor,
  AudioFormat,
  BoxGreeting,
  Commands,
  DomainError,
  ErrorCode,
  JsonObject,
  MediaDocument,
} from '@voxmail/contracts';
import type { GatewayRequest } from '../../common/request';
import { AudioIntake } from '../../application/audio-intake';
import { isMultipart, Part } from '../../application/multipart';
import { greetingFileName } from './greeting-files';
import { YeastarContext } from './yeastar.context';
import { missingParameter, notFound, YeastarCode, YeastarError } from './yeastar.errors';
import { YeastarExceptionFilter } from './yeastar.filter';
import { YeastarGuard } from './yeastar.guard';
import { BOX_GREETING_VIEW, boxGreetingView, success } from './yeastar.view';
import { DocumentedParameter, Parameters, Responds, UploadBody } from '../../common/openapi-meta';

/** Group greetings name the box by `owner`, extension greetings by `extension`. */
type BoxKind = 'group' | 'extension';
const FIELD: Record<BoxKind, 'owner' | 'extension'> = { group: 'owner', extension: 'extension' };

/** A mailbox number as the PBX has them; anything else cannot name a box. */
const NUMBER = /^[0-9A-Za-z*#+_-]{1,32}$/;
const MAX_FIELD_BYTES = 256;

const unsupportedFormat = () =>
  new YeastarError(
    YeastarCode.ParameterError,
    ErrorCode.UnsupportedMediaType,
    'only .wav, .mp3 or .gsm audio is supported',
  );
const invalidName = () =>
  new YeastarError(
    YeastarCode.ParameterSyntax,
    ErrorCode.ValidationFailed,
    'the file name is not acceptable',
  );
const fileTooLarge = (max: number) =>
  new YeastarError(
    YeastarCode.FileSizeExceeded,
    ErrorCode.PayloadTooLarge,
    `the file is larger than ${max} bytes`,
  );

/** A small form field's text; a longer one is refused without being kept. */
async function fieldText(p: Part): Promise<string> {
  let text = '';
  for await (const chunk of p.stream) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_FIELD_BYTES)
      throw new YeastarError(
        YeastarCode.ParameterSyntax,
        ErrorCode.ValidationFailed,
        `${p.name} is too long`,
      );
  }
  return text.trim();
}

function queryOf(req: GatewayRequest): Record<string, unknown> {
  return (req.query ?? {}) as Record<string, unknown>;
}

function required(q: Record<string, unknown>, name: string): string {
  const v = q[name];
  if (typeof v !== 'string' || !v) throw missingParameter(name);
  return v;
}

// What each call takes and answers (OpenAPI): the box by its number in `owner` (group) or `extension`
const boxParam = (kind: BoxKind): DocumentedParameter => ({
  name: FIELD[kind],
  in: 'query',
  description: kind === 'group' ? 'the group box number' : 'the extension box number',
  schema: { type: 'string', pattern: NUMBER.source },
});
const FILE_PARAM: DocumentedParameter = {
  name: 'file',
  in: 'query',
  schema: { type: 'string', minLength: 1 },
};
const UPLOAD = (kind: BoxKind) => [
  UploadBody({
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file', FIELD[kind], 'is_check'],
        properties: {
          file: { type: 'string', contentMediaType: 'audio/*', description: 'a .wav, .mp3 or .gsm greeting' },
          [FIELD[kind]]: { type: 'string', pattern: NUMBER.source },
          is_check: { enum: ['ask', 'force'] },
        },
      },
    },
  }),
  Responds({ schema: { properties: { [FIELD[kind]]: { type: 'string' } } } }),
];
const LIST = (kind: BoxKind) => [
  Parameters([{ ...boxParam(kind), required: true }]),
  Responds({
    schema: {
      properties: {
        total_number: { type: 'integer', minimum: 0 },
        data: { type: 'array', items: BOX_GREETING_VIEW },
      },
    },
  }),
];
const DELETE = (kind: BoxKind) => [
  Parameters([boxParam(kind), FILE_PARAM]),
  Responds({ schema: { properties: {} } }),
];
const PLAY = (kind: BoxKind) => [
  Parameters([boxParam(kind), FILE_PARAM]),
  Responds({
    schema: {
      properties: {
        file: { type: 'string' },
        play_resource_url: { type: 'string', pattern: '^/api/download/' },
      },
    },
  }),
];

@Controller('openapi/v1.0')
@UseGuards(YeastarGuard)
@UseFilters(YeastarExceptionFilter)
export class YeastarGreetingsController {
  constructor(
    private readonly ctx: YeastarContext,
    private readonly intake: AudioIntake,
  ) {}

  /** The box a number names in the caller's account: a group box for `owner`, a user box for `extension`. */
  private async box(actor: Actor, kind: BoxKind, number: string): Promise<string> {
    if (!NUMBER.test(number)) throw notFound(FIELD[kind]);
    const list = await this.ctx.bus.send(Commands.VmboxList, {
      tenantId: actor.accountId,
      actor,
      query: {
        pageSize: 1,
        descending: false,
        paginate: true,
        filters: [{ op: 'eq', path: ['mailbox'], value: number }],
      },
    });
    const doc = list.items[0] as JsonObject | undefined;
    if (!doc || typeof doc.id !== 'string' || (doc.type === 'group') !== (kind === 'group'))
      throw notFound(FIELD[kind]);
    return doc.id;
  }

  private find(actor: Actor, vmboxId: string, name: string): Promise<MediaDocument | null> {
    return this.ctx.bus.send(Commands.BoxGreetingFind, { tenantId: actor.accountId, actor, vmboxId, name });
  }

  @Post('vm_greeting/upload')
  @HttpCode(200)
  @applyDecorators(...UPLOAD('group'))
  uploadGroup(@Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.upload(req, reply, 'group');
  }

  @Post('extension_vm_greeting/upload')
  @HttpCode(200)
  @applyDecorators(...UPLOAD('extension'))
  uploadExtension(@Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.upload(req, reply, 'extension');
  }

  /**
   * The document sends `file` first, then the box and `is_check`: the file is streamed through the gate
   * (size while streaming, type from the bytes) to a pending upload ticket, and once the fields are read
   * the ticket is attached to the box's greeting (`force`) or aborted (`ask`, or any refusal).
   */
  private upload(req: GatewayRequest, reply: FastifyReply, kind: BoxKind) {
    const actor = req.actor!;
    const tenantId = actor.accountId;
    const body = req.body;
    const contentType = req.headers['content-type'];
    if (!(body instanceof Readable) || !isMultipart(contentType)) throw missingParameter('file');
    const max = this.ctx.settings.maxGreetingBytes;
    const fields: Record<string, string> = {};
    let file: { name: string; format: AudioFormat } | undefined;
    const isFile = (part: Part) => {
      if (part.name !== 'file' || file) return false;
      const named = greetingFileName(part.filename);
      if (!named.ok) throw named.reason === 'format' ? unsupportedFormat() : invalidName();
      file = named;
      return true;
    };
    const field = async (part: Part) => {
      if (part.name && !part.filename && !(part.name in fields)) fields[part.name] = await fieldText(part);
      else part.stream.resume();
    };
    return this.intake.take(
      reply,
      { body, contentType: contentType!, parts: { isAudio: isFile, other: field } },
      {
        // the greeting's document is made (or found by name) when the audio is stored
        reserve: () =>
          this.ctx.bus.send(Commands.MediaUploadTicket, { tenantId, actor, kind: 'greeting', maxBytes: max }),
        abort: (ticket) =>
          this.ctx.bus.send(Commands.MediaAbort, { tenantId, actor, uploadId: ticket.uploadId }),
        missingAudio: () => missingParameter('file'),
        attach: async (audio, discard) => {
          const number = fields[FIELD[kind]];
          if (!number) throw missingParameter(FIELD[kind]);
          const mode = fields.is_check;
          if (mode !== 'ask' && mode !== 'force') throw missingParameter('is_check');
          // the name says .wav/.mp3/.gsm and the bytes must be that very format
          if (audio!.format !== file!.format) throw unsupportedFormat();
          const vmboxId = await this.box(actor, kind, number);
          if (mode === 'ask') {
            await discard();
            if (await this.find(actor, vmboxId, file!.name))
              throw new YeastarError(
                YeastarCode.DuplicateKey,
                ErrorCode.Conflict,
                'a greeting of that file name exists',
              );
            return success({ [FIELD[kind]]: number });
          }
          await this.ctx.bus.sendMedia(Commands.BoxGreetingStore, {
            tenantId,
            actor,
            vmboxId,
            name: file!.name,
            uploadId: audio!.ticket.uploadId,
            facts: audio!.facts,
          });
          return success({ [FIELD[kind]]: number });
        },
        // the face's own codes for the gate's refusals
        refusal: (e) => {
          if (e instanceof YeastarError || !(e instanceof DomainError)) return e;
          if (e.code === ErrorCode.PayloadTooLarge) return fileTooLarge(max);
          if (e.code === ErrorCode.UnsupportedMediaType) return unsupportedFormat();
          return e;
        },
      },
    );
  }

  /**
   * Every greeting of the box with audio, whichever face set it: the box's `media.*` greetings (set through
   * Kazoo, listed under their media name) and its greeting files, each once.
   */
  private async boxGreetings(actor: Actor, vmboxId: string): Promise<BoxGreeting[]> {
    const r = await this.ctx.bus.send(Commands.VmboxGreetings, {
      tenantId: actor.accountId,
      actor,
      id: vmboxId,
    });
    const seen = new Set<string>();
    return r.greetings.filter((g) => g.size !== undefined && !seen.has(g.media_id) && seen.add(g.media_id));
  }

  private async list(req: GatewayRequest, kind: BoxKind) {
    const actor = req.actor!;
    const vmboxId = await this.box(actor, kind, required(queryOf(req), FIELD[kind]));
    const data = (await this.boxGreetings(actor, vmboxId)).map(boxGreetingView);
    return success({ total_number: data.length, data });
  }

  @Get('vm_greeting/list')
  @applyDecorators(...LIST('group'))
  listGroup(@Req() req: GatewayRequest) {
    return this.list(req, 'group');
  }

  @Get('extension_vm_greeting/list')
  @applyDecorators(...LIST('extension'))
  listExtension(@Req() req: GatewayRequest) {
    return this.list(req, 'extension');
  }

  /**
   * The greeting `file` of the box the query names: a greeting file of that name, or (`withBoxGreetings`)
   * a greeting the box's `media.*` names, by its media name; a missing one is DATA NOT FOUND.
   */
  private async greeting(
    req: GatewayRequest,
    kind: BoxKind,
    withBoxGreetings = false,
  ): Promise<{ id: string; name: string; format?: string }> {
    const q = queryOf(req);
    const number = required(q, FIELD[kind]);
    const file = required(q, 'file');
    const name = greetingFileName(file);
    const vmboxId = await this.box(req.actor!, kind, number);
    const found = name.ok ? await this.find(req.actor!, vmboxId, name.name) : null;
    if (found && found.size !== undefined) return found;
    if (withBoxGreetings) {
      const g = (await this.boxGreetings(req.actor!, vmboxId)).find((x) => x.file === file);
      if (g) return { id: g.media_id, name: g.file, format: g.format };
    }
    throw notFound('file');
  }

  /** Deletes greeting files only: a greeting the box's `media.*` names is changed through Kazoo. */
  private async remove(req: GatewayRequest, kind: BoxKind) {
    const actor = req.actor!;
    const g = await this.greeting(req, kind);
    await this.ctx.bus.send(Commands.MediaDocumentDelete, { tenantId: actor.accountId, actor, id: g.id });
    return success({});
  }

  @Get('vm_greeting/delete')
  @applyDecorators(...DELETE('group'))
  deleteGroup(@Req() req: GatewayRequest) {
    return this.remove(req, 'group');
  }

  @Post('vm_greeting/delete')
  @HttpCode(200)
  @applyDecorators(...DELETE('group'))
  deleteGroupPost(@Req() req: GatewayRequest) {
    return this.remove(req, 'group');
  }

  @Get('extension_vm_greeting/delete')
  @applyDecorators(...DELETE('extension'))
  deleteExtension(@Req() req: GatewayRequest) {
    return this.remove(req, 'extension');
  }

  @Post('extension_vm_greeting/delete')
  @HttpCode(200)
  @applyDecorators(...DELETE('extension'))
  deleteExtensionPost(@Req() req: GatewayRequest) {
    return this.remove(req, 'extension');
  }

  private async play(req: GatewayRequest, kind: BoxKind) {
    const g = await this.greeting(req, kind, true);
    const ext = g.format === 'mp3' || g.format === 'gsm' ? g.format : 'wav';
    const path = this.ctx.links.path(
      { tenantId: req.actor!.accountId, mediaId: g.id },
      ext,
      this.ctx.settings.playLinkTtlSeconds,
    );
    return success({ file: g.name, play_resource_url: path });
  }

  @Get('extension_vm_greeting/play')
  @applyDecorators(...PLAY('extension'))
  playExtension(@Req() req: GatewayRequest) {
    return this.play(req, 'extension');
  }

  @Get('vm_greeting/play')
  @applyDecorators(...PLAY('group'))
  playGroup(@Req() req: GatewayRequest) {
    return this.play(req, 'group');
  }
}
