// Face-neutral audio download: a stored object streamed to the client with Range and HEAD support.
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode, MessageAudio } from '@voxmail/contracts';
import type { GatewayRequest } from '../common/request';
import { openObject } from '../media/object-transfer';

/**
 * A single `Range: bytes=...` turned into absolute offsets for an object of `size` bytes (suffix and
 * open ranges included), `'unsatisfiable'`, or undefined to answer the whole object (no or multiple ranges).
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Streams `audio` from the object store, honouring the client's Range; errors are DomainErrors. */
export async function sendAudio(
  req: GatewayRequest,
  reply: FastifyReply,
  audio: MessageAudio,
): Promise<void> {
  const range = byteRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, audio.size);
  if (range === 'unsatisfiable') {
    void reply.header('Content-Range', `bytes */${audio.size}`);
    throw new DomainError(ErrorCode.RangeNotSatisfiable, 'the requested range is outside the audio', {
      size: audio.size,
    });
  }
  const upstream = await openObject(audio.url, range ? `bytes=${range.start}-${range.end}` : undefined);
  if (upstream.status !== 200 && upstream.status !== 206) {
    upstream.body.resume();
    throw new DomainError(ErrorCode.ServiceUnavailable, 'the audio could not be read; retry later', {
      retry_after_s: 1,
    });
  }
  void reply
    .status(upstream.status)
    .header('Content-Type', audio.content_type)
    .header('Accept-Ranges', 'bytes')
    .header('Content-Disposition', `inline; filename="${audio.name}"`);
  if (upstream.headers['content-length'])
    void reply.header('Content-Length', upstream.headers['content-length']);
  if (upstream.headers['content-range'])
    void reply.header('Content-Range', upstream.headers['content-range']);
  await reply.send(upstream.body);
}

/** `HEAD`: the headers a GET would answer, without opening the object. */
export async function sendAudioHead(reply: FastifyReply, audio: MessageAudio): Promise<void> {
  await reply
    .status(200)
    .header('Content-Type', audio.content_type)
    .header('Accept-Ranges', 'bytes')
    .header('Content-Length', String(audio.size))
    .header('Content-Disposition', `inline; filename="${audio.name}"`)
    .send();
}
