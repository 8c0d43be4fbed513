// The signed links of voicemail slots: the upload URL (multipart POST with a `file` part, or a raw PUT)
// and the download URL (GET with Range, HEAD). The link is the credential; no API key is asked.
import { Readable } from 'node:stream';
import { Controller, Get, Head, HttpCode, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  Commands,
  DomainError,
  ErrorCode,
  HEX_ID,
  MessageAudio,
  SLOT_AUDIO_FORMAT,
  slotContentType,
} from '@voxmail/contracts';
import { AudioDownloads } from '../../application/audio-download';
import { AudioGate } from '../../application/audio-gate';
import { AudioUploads, declaredLength } from '../../application/audio-upload';
import { isMultipart } from '../../application/multipart';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { LinkPurpose, LinkTarget } from './slot-links';
import { storedView } from './voicemails.view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fileError = (rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, message, { file: { [rule]: { message } } });

@Controller('api/voicemail_files/:tenantId/:slotId')
@UseFilters(FlexisipExceptionFilter)
export class FlexisipVoicemailFilesController {
  constructor(
    private readonly ctx: FlexisipContext,
    private readonly uploads: AudioUploads,
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
  uploadForm(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ) {
    return this.upload(req, reply, this.verified(req, 'upload', tenantId, slotId), 'form');
  }

  @Put('upload')
  @HttpCode(200)
  uploadRaw(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ) {
    return this.upload(req, reply, this.verified(req, 'upload', tenantId, slotId), 'raw');
  }

  /**
   * Streams the audio through the gateway's gate (size while streaming, type from the bytes) to the store,
   * then lets message-service turn it into the message; any refusal leaves the slot empty and reusable.
   */
  private async upload(req: GatewayRequest, reply: FastifyReply, t: LinkTarget, shape: 'form' | 'raw') {
    const body = req.body;
    const contentType = req.headers['content-type'];
    if (!(body instanceof Readable) || (shape === 'form') !== isMultipart(contentType))
      throw fileError(
        'required',
        shape === 'form' ? 'The file field is required.' : 'The body must be the audio file.',
      );
    const upload = this.uploads.session({
      // the commands around the transfer take the normal deadline; the audio is measured while it streams
      begin: () => this.ctx.bus.send(Commands.VoicemailSlotBeginUpload, t),
      abort: (ticket) =>
        this.ctx.bus.send(Commands.VoicemailSlotAbortUpload, { ...t, uploadId: ticket.uploadId }),
      measure: true,
    });
    const ticket = await upload.begin();
    try {
      return await this.uploads.within(reply, upload, async () => {
        let gate: AudioGate | undefined;
        if (shape === 'form') {
          gate = await this.uploads.firstPart(upload, body, contentType!, (part) => part.name === 'file');
          if (!gate) throw fileError('required', 'The file field is required.');
        } else {
          if (slotContentType(String(contentType ?? '').split(';')[0]) !== ticket.contentType)
            throw fileError('mimetypes', `The file must be a file of type: ${ticket.contentType}.`);
          gate = await upload.send(body, declaredLength(req.headers['content-length']));
        }
        if (gate.sniffed?.format !== SLOT_AUDIO_FORMAT[ticket.contentType])
          throw fileError('mimetypes', `The file must be a file of type: ${ticket.contentType}.`);
        const s = await this.ctx.bus.send(Commands.VoicemailSlotCompleteUpload, {
          ...t,
          uploadId: ticket.uploadId,
          facts: gate.facts,
        });
        return storedView(this.ctx.links, t.tenantId, s, this.ctx.settings.downloadTtlSeconds * 1000);
      });
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.PayloadTooLarge)
        throw new DomainError(
          ErrorCode.PayloadTooLarge,
          `The file must not be greater than ${ticket.maxBytes} bytes.`,
        );
      throw e;
    }
  }

  private audio(t: LinkTarget): Promise<MessageAudio> {
    return this.ctx.bus.sendMedia(Commands.VoicemailSlotAudio, t);
  }

  @Head('download')
  async head(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await this.downloads.head(reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }

  @Get('download')
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await this.downloads.send(req, reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }
}
