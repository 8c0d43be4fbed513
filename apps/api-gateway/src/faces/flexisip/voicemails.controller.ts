// Account manager API: `/api/accounts/{id|me}/voicemails` (slots of SIP voicemail servers).
import { Body, Controller, Delete, Get, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  Commands,
  DomainError,
  ErrorCode,
  isSipUri,
  MAX_SIP_FROM,
  slotContentType,
  VoicemailSlot,
} from '@voxmail/contracts';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { FlexisipGuard, FlexisipRequest } from './flexisip.guard';
import { SlotUuid } from './params';
import { CREATED_VIEW, createdView, STORED_VIEW, storedView } from './voicemails.view';
import { BodySchema, Responds } from '../../common/openapi-meta';

/** Laravel's validation of the slot request: each field's messages, in Laravel's words. */
export function validateSlotRequest(body: unknown): {
  sipFrom?: string;
  contentType: 'audio/opus' | 'audio/wav';
} {
  const input =
    body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const errors: Record<string, Record<string, { message: string }>> = {};
  // optional, as the account manager's code validates it (`nullable`; Laravel reads "" as null); its
  // document says mandatory
  const sipFrom = input.sip_from === '' ? null : input.sip_from;
  if (sipFrom === undefined || sipFrom === null) {
    // no caller address: the message gets Kazoo's default `from`
  } else if (typeof sipFrom !== 'string')
    errors.sip_from = { string: { message: 'The sip from field must be a string.' } };
  else if (sipFrom.length > MAX_SIP_FROM)
    errors.sip_from = {
      max: { message: `The sip from field must not be greater than ${MAX_SIP_FROM} characters.` },
    };
  else if (!isSipUri(sipFrom))
    errors.sip_from = { sip: { message: 'The sip from field must be a valid SIP address.' } };
  const declared = input.content_type;
  const contentType = typeof declared === 'string' ? slotContentType(declared) : undefined;
  if (declared === undefined || declared === null || declared === '')
    errors.content_type = { required: { message: 'The content type field is required.' } };
  else if (!contentType) errors.content_type = { in: { message: 'The selected content type is invalid.' } };
  if (Object.keys(errors).length)
    throw new DomainError(ErrorCode.ValidationFailed, 'The given data was invalid.', errors);
  return { ...(typeof sipFrom === 'string' ? { sipFrom } : {}), contentType: contentType! };
}

@Controller('api/accounts/:accountId/voicemails')
@UseGuards(FlexisipGuard)
@UseFilters(FlexisipExceptionFilter)
export class FlexisipVoicemailsController {
  constructor(private readonly ctx: FlexisipContext) {}

  private who(req: FlexisipRequest) {
    return { tenantId: req.actor!.accountId, actor: req.actor!, userId: req.flexisipUserId! };
  }

  private stored(req: FlexisipRequest, s: VoicemailSlot) {
    return storedView(this.ctx.links, req.actor!.accountId, s, this.ctx.settings.downloadTtlSeconds * 1000);
  }

  @Get()
  @Responds({ schema: { type: 'array', items: STORED_VIEW } })
  async list(@Req() req: FlexisipRequest) {
    const slots = await this.ctx.bus.send(Commands.VoicemailSlotList, this.who(req));
    return slots.map((s) => this.stored(req, s));
  }

  @Get(':uuid')
  @Responds({ schema: STORED_VIEW })
  async get(@Req() req: FlexisipRequest, @SlotUuid() uuid: string) {
    const s = await this.ctx.bus.send(Commands.VoicemailSlotGet, {
      ...this.who(req),
      slotId: uuid,
    });
    return this.stored(req, s);
  }

  @Post()
  @HttpCode(201)
  @BodySchema({
    type: 'object',
    required: ['content_type'],
    properties: {
      sip_from: { type: ['string', 'null'], maxLength: MAX_SIP_FROM, description: 'a SIP address' },
      content_type: { type: 'string', description: 'the audio type the upload will be' },
    },
  })
  @Responds({ schema: CREATED_VIEW })
  async create(@Req() req: FlexisipRequest, @Body() body: unknown) {
    const input = validateSlotRequest(body);
    const s = await this.ctx.bus.send(Commands.VoicemailSlotCreate, {
      ...this.who(req),
      ...input,
      maxBytes: this.ctx.settings.maxUploadSize,
      ttlSeconds: this.ctx.settings.uploadTtlSeconds,
    });
    return createdView(this.ctx.links, req.actor!.accountId, s);
  }

  /** Deletes the voicemail, its audio and the message it became; answers what was deleted. */
  @Delete(':uuid')
  @Responds({ schema: STORED_VIEW })
  async delete(@Req() req: FlexisipRequest, @SlotUuid() uuid: string) {
    const cmd = { ...this.who(req), slotId: uuid };
    const s = await this.ctx.bus.send(Commands.VoicemailSlotGet, cmd);
    await this.ctx.bus.sendMedia(Commands.VoicemailSlotDelete, cmd);
    return { ...this.stored(req, s), get_url: null };
  }
}
