// Filling a voicemail slot, whichever URL the client took (the account manager's `/api/files/{uuid}` or the
// signed link): the audio streams through the gateway's gate to the store, then message-service turns it
// into the message; any refusal leaves the slot empty and reusable.
import { Readable } from 'node:stream';
import { applyDecorators, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  Commands,
  DomainError,
  ErrorCode,
  MAX_SLOT_FILE_NAME,
  SLOT_AUDIO_FORMAT,
  SlotUploadTicket,
  slotContentType,
} from '@voxmail/contracts';
import { AudioIntake, AudioSource, declaredLength } from '../../application/audio-intake';
import { isMultipart } from '../../application/multipart';
import { RAW_AUDIO, Responds, UploadBody } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';
import { LinkTarget } from './slot-links';
import { STORED_VIEW, storedView } from './voicemails.view';

const fileError = (rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, message, { file: { [rule]: { message } } });

/**
 * The uploaded file's name without its directories (Flexisip sends the full path of its recording, as
 * Laravel's getClientOriginalName drops it), without control characters; undefined when nothing is left.
 */
export function clientFileName(filename: string | undefined): string | undefined {
  const base = [...((filename ?? '').split(/[\\/]/).pop() ?? '')]
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .trim();
  return base ? base.slice(0, MAX_SLOT_FILE_NAME) : undefined;
}

@Injectable()
export class SlotUploads {
  constructor(
    private readonly ctx: FlexisipContext,
    private readonly intake: AudioIntake,
  ) {}

  /** `form`: multipart/form-data with a part named `file`; `raw`: the audio as the body. */
  async fill(req: GatewayRequest, reply: FastifyReply, t: LinkTarget, shape: 'form' | 'raw') {
    const body = req.body;
    const contentType = req.headers['content-type'];
    if (!(body instanceof Readable) || (shape === 'form') !== isMultipart(contentType))
      throw fileError(
        'required',
        shape === 'form' ? 'The file field is required.' : 'The body must be the audio file.',
      );
    const wrongType = (ticket: SlotUploadTicket) =>
      fileError('mimetypes', `The file must be a file of type: ${ticket.contentType}.`);
    let fileName: string | undefined;
    const source: AudioSource =
      shape === 'form'
        ? {
            body,
            contentType: contentType!,
            parts: {
              isAudio: (part) => {
                if (part.name !== 'file') return false;
                fileName = clientFileName(part.filename);
                return true;
              },
            },
          }
        : { body, length: declaredLength(req.headers['content-length']) };
    return this.intake.take(reply, source, {
      // the slot is checked (empty, unexpired) before any byte is taken; the commands around the transfer
      // take the normal deadline, the audio is measured while it streams
      reserveFirst: true,
      reserve: () => this.ctx.bus.send(Commands.VoicemailSlotBeginUpload, t).catch(usedIsGone),
      abort: (ticket) =>
        this.ctx.bus.send(Commands.VoicemailSlotAbortUpload, { ...t, uploadId: ticket.uploadId }),
      accepts: (ticket) => {
        if (
          shape === 'raw' &&
          slotContentType(String(contentType ?? '').split(';')[0]) !== ticket.contentType
        )
          throw wrongType(ticket);
      },
      missingAudio: () => fileError('required', 'The file field is required.'),
      attach: async (audio) => {
        const { ticket, format, facts } = audio!;
        if (format !== SLOT_AUDIO_FORMAT[ticket.contentType]) throw wrongType(ticket);
        const s = await this.ctx.bus
          .send(Commands.VoicemailSlotCompleteUpload, {
            ...t,
            uploadId: ticket.uploadId,
            facts,
            ...(fileName ? { fileName } : {}),
          })
          .catch(usedIsGone);
        return storedView(this.ctx.links, t.tenantId, s, this.ctx.settings.downloadTtlSeconds * 1000);
      },
      refusal: (e, ticket) =>
        ticket && e instanceof DomainError && e.code === ErrorCode.PayloadTooLarge
          ? new DomainError(
              ErrorCode.PayloadTooLarge,
              `The file must not be greater than ${ticket.maxBytes} bytes.`,
            )
          : e,
    });
  }
}

/** A used upload URL is gone, as the account manager answers it (`abort(404)` once the file has a name). */
function usedIsGone(e: unknown): never {
  if (e instanceof DomainError && e.code === ErrorCode.Conflict)
    throw DomainError.notFound('This upload URL was already used.');
  throw e;
}

/** What an upload of a slot takes and answers (OpenAPI): `form` as Flexisip sends it, or `raw`. */
export const SlotUpload = (shape: 'form' | 'raw', errors: number[] = [403]): MethodDecorator =>
  applyDecorators(
    UploadBody(
      shape === 'form'
        ? {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: { file: { type: 'string', contentMediaType: 'audio/*' } },
              },
            },
          }
        : RAW_AUDIO,
    ),
    Responds({ schema: STORED_VIEW, errors }),
  );
