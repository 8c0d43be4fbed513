// The audio of a Kazoo request (raw `audio/*`, or the audio part of a multipart body) into a media
// document: media/raw and a box's greetings upload the same way, through the gateway's AudioIntake.
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Actor, Commands, MediaDocument, MediaKind } from '@voxmail/contracts';
import { AudioIntake, AudioSource, declaredLength } from '../../application/audio-intake';
import { isJsonPart, isMultipart } from '../../application/multipart';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import { invalid } from './request';

export interface MediaTarget {
  tenantId: string;
  actor: Actor;
  /** The media document that receives the audio. */
  id: string;
  kind: MediaKind;
}

/** Kazoo's audio bodies: the audio itself, or a multipart body whose first non-JSON part is the audio. */
export function kazooAudioSource(req: GatewayRequest, body: Readable): AudioSource {
  const contentType = req.headers['content-type'];
  return isMultipart(contentType)
    ? { body, contentType: contentType!, parts: { isAudio: (part) => !isJsonPart(part) } }
    : { body, length: declaredLength(req.headers['content-length']) };
}

/** A multipart body without its audio part. */
export const missingAudioPart = () =>
  invalid('content', 'required', 'The multipart body needs an audio part');

/** Streams the audio to the document's upload ticket and attaches it; on any failure the upload is aborted. */
export function uploadMediaAudio(
  intake: AudioIntake,
  bus: CommandBus,
  req: GatewayRequest,
  reply: FastifyReply,
  body: Readable,
  t: MediaTarget,
): Promise<MediaDocument> {
  const { tenantId, actor } = t;
  return intake.take(reply, kazooAudioSource(req, body), {
    reserve: () => bus.send(Commands.MediaUploadTicket, { tenantId, actor, kind: t.kind, ownerId: t.id }),
    abort: (ticket) => bus.send(Commands.MediaAbort, { tenantId, actor, uploadId: ticket.uploadId }),
    missingAudio: missingAudioPart,
    attach: (audio) =>
      bus.sendMedia(Commands.MediaDocumentAttach, {
        tenantId,
        actor,
        id: t.id,
        uploadId: audio!.ticket.uploadId,
        facts: audio!.facts,
      }),
  });
}
