// The signed links of voicemail slots: the upload link of slots created before `/api/files/{uuid}`
// (multipart POST with a `file` part, or a raw PUT) and the download URL (GET with Range, HEAD). The link
// is the credential; no API key is asked.
import { Controller, Get, Head, HttpCode, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Commands, DomainError, ErrorCode, HEX_ID, MessageAudio } from '@voxmail/contracts';
import { AUDIO_ANSWER, AudioDownloads } from '../../application/audio-download';
import { Responds } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { LinkPurpose, LinkTarget } from './slot-links';
import { SlotUpload, SlotUploads } from './slot-uploads';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Controller('api/voicemail_files/:tenantId/:slotId')
@UseFilters(FlexisipExceptionFilter)
export class FlexisipVoicemailFilesController {
  constructor(
    private readonly ctx: FlexisipContext,
    private readonly slots: SlotUploads,
    private readonly downloads: AudioDownloads,
  ) {}

  /** Laravel's signed-URL check: a bad or expired signature is 403 "Invalid signature.". */
  private verified(req: GatewayRequest, purpose: LinkPurpose, tenantId: string, slotId: string): LinkTarget {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const t = { tenantId, slotId };
    if (
      !HEX_ID.test(tenantId) ||
      !UUID.test(slotId) ||
      this.ctx.links.verify(purpose, t, q.expires, q.signature) !== 'ok'
    )
      throw new DomainError(ErrorCode.Forbidden, 'Invalid signature.');
    return t;
  }

  @Post('upload')
  @HttpCode(200)
  @SlotUpload('form')
  uploadForm(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ) {
    return this.slots.fill(req, reply, this.verified(req, 'upload', tenantId, slotId), 'form');
  }

  @Put('upload')
  @HttpCode(200)
  @SlotUpload('raw')
  uploadRaw(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ) {
    return this.slots.fill(req, reply, this.verified(req, 'upload', tenantId, slotId), 'raw');
  }

  private audio(t: LinkTarget): Promise<MessageAudio> {
    return this.ctx.bus.sendMedia(Commands.VoicemailSlotAudio, t);
  }

  @Head('download')
  @Responds({ ...AUDIO_ANSWER, errors: [403] })
  async head(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await this.downloads.head(reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }

  @Get('download')
  @Responds({ ...AUDIO_ANSWER, errors: [403, 416] })
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await this.downloads.send(req, reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }
}
