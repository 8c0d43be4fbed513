// The audio of a Kazoo request (raw `audio/*`, or the audio part of a multipart body) into a media
// document: media/raw and a box's greetings upload the same way, through the shared upload flow.
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { Actor, Commands, MediaDocument, MediaKind } from '@voxmail/contracts';
import type { AudioGate } from '../../application/audio-gate';
import { AudioUploads, declaredLength } from '../../application/audio-upload';
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

/** Streams the audio to the document's upload ticket and attaches it; on any failure the upload is aborted. */
export function uploadMediaAudio(
  uploads: AudioUploads,
  bus: CommandBus,
  req: GatewayRequest,
  reply: FastifyReply,
  body: Readable,
  t: MediaTarget,
): Promise<MediaDocument> {
  const session = uploads.session({
    begin: () =>
      bus.send(Commands.MediaUploadTicket, {
        tenantId: t.tenantId,
        actor: t.actor,
        kind: t.kind,
        ownerId: t.id,
      }),
    abort: (ticket) =>
      bus.send(Commands.MediaAbort, { tenantId: t.tenantId, actor: t.actor, uploadId: ticket.uploadId }),
    measure: true,
  });
  return uploads.within(reply, session, async () => {
    const contentType = req.headers['content-type'];
    let gate: AudioGate | undefined;
    if (isMultipart(contentType)) {
      gate = await uploads.firstPart(session, body, contentType!, (part) => !isJsonPart(part));
      if (!gate) throw invalid('content', 'required', 'The multipart body needs an audio part');
    } else {
      gate = await session.send(body, declaredLength(req.headers['content-length']));
    }
    return bus.sendMedia(Commands.MediaDocumentAttach, {
      tenantId: t.tenantId,
      actor: t.actor,
      id: t.id,
      uploadId: session.ticket!.uploadId,
      facts: gate.facts,
    });
  });
}
