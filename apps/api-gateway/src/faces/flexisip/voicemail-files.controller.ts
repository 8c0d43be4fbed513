// The signed links of voicemail slots: the upload URL (multipart POST with a `file` part, or a raw PUT)
// and the download URL (GET with Range, HEAD). The link is the credential; no API key is asked.
import { Readable } from 'node:stream';
import { Controller, Get, Head, HttpCode, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  DomainError,
  ErrorCode,
  HEX_ID,
  MessageAudio,
  SlotUploadTicket,
  SLOT_AUDIO_FORMAT,
  slotContentType,
  Subjects,
  VoicemailSlot,
} from '@voxmail/contracts';
import { sendAudio, sendAudioHead } from '../../application/audio-download';
import type { GatewayRequest } from '../../common/request';
import { Public } from '../../kazoo/auth.guard';
import { AudioGate, tooLarge } from '../../media/audio-gate';
import { eachPart, isMultipart } from '../../media/multipart';
import { uploadThroughGate } from '../../media/object-transfer';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { LinkPurpose, LinkTarget } from './signed-links';
import { storedView } from './voicemails.view';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fileError = (rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, message, { file: { [rule]: { message } } });

@Controller('api/voicemail_files/:tenantId/:slotId')
@Public()
@UseFilters(FlexisipExceptionFilter)
export class FlexisipVoicemailFilesController {
  constructor(private readonly ctx: FlexisipContext) {}

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
    const ticket = await this.ctx.bus.executeMedia<SlotUploadTicket>(Subjects.VoicemailSlot.BeginUpload, t);
    try {
      let gate: AudioGate | undefined;
      if (shape === 'form') {
        await eachPart(body, contentType!, async (part) => {
          if (gate || part.name !== 'file') return void part.stream.resume();
          gate = await uploadThroughGate(part.stream, ticket.url, ticket.maxBytes);
        });
        if (!gate) throw fileError('required', 'The file field is required.');
      } else {
        if (slotContentType(String(contentType ?? '').split(';')[0]) !== ticket.contentType)
          throw fileError('mimetypes', `The file must be a file of type: ${ticket.contentType}.`);
        const h = req.headers['content-length'];
        const length = typeof h === 'string' && /^\d+$/.test(h) ? Number(h) : undefined;
        if (length !== undefined && length > ticket.maxBytes) throw tooLarge(ticket.maxBytes);
        gate = await uploadThroughGate(body, ticket.url, ticket.maxBytes, length);
      }
      if (gate.sniffed?.format !== SLOT_AUDIO_FORMAT[ticket.contentType])
        throw fileError('mimetypes', `The file must be a file of type: ${ticket.contentType}.`);
      const s = await this.ctx.bus.executeMedia<VoicemailSlot>(Subjects.VoicemailSlot.CompleteUpload, {
        ...t,
        uploadId: ticket.uploadId,
      });
      return storedView(this.ctx.links, t.tenantId, s, this.ctx.settings.downloadTtlSeconds * 1000);
    } catch (e) {
      // the rest of a refused body is not read
      void reply.header('Connection', 'close');
      await this.ctx.bus
        .execute(Subjects.VoicemailSlot.AbortUpload, { ...t, uploadId: ticket.uploadId })
        .catch(() => undefined);
      if (e instanceof DomainError && e.code === ErrorCode.PayloadTooLarge)
        throw new DomainError(
          ErrorCode.PayloadTooLarge,
          `The file must not be greater than ${ticket.maxBytes} bytes.`,
        );
      throw e;
    }
  }

  private audio(t: LinkTarget): Promise<MessageAudio> {
    return this.ctx.bus.executeMedia<MessageAudio>(Subjects.VoicemailSlot.Audio, t);
  }

  @Head('download')
  async head(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await sendAudioHead(reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }

  @Get('download')
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('tenantId') tenantId: string,
    @Param('slotId') slotId: string,
  ): Promise<void> {
    await sendAudio(req, reply, await this.audio(this.verified(req, 'download', tenantId, slotId)));
  }
}
