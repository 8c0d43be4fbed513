// Face-neutral audio download: a stored object streamed to the client with Range and HEAD support.
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import parseRange from 'range-parser';
import { DomainError, ErrorCode, MessageAudio } from '@voxmail/contracts';
import type { DocumentedHeader, DocumentedResponse } from '../common/openapi-meta';
import type { GatewayRequest } from '../common/request';
import { cutWhenIdle, openObject } from './object-transfer';

/**
 * A `Range` header for an object of `size` bytes, read by `range-parser` (as Express's `send` does):
 * one satisfiable byte range as absolute offsets; `'unsatisfiable'` (416) when no range of it is; and
 * undefined, to answer the whole object, for no header, another unit, a malformed header or several
 * ranges (never answered as multipart/byteranges).
 */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  // RFC 9110 14.1.2: a suffix longer than the object is the whole object (range-parser says 416)
  const suffix = /^bytes=-(\d+)$/.exec(header.trim());
  if (suffix && Number(suffix[1]) > size && size > 0) header = `bytes=-${size}`;
  const ranges = parseRange(size, header.trim(), { combine: true });
  if (ranges === -2) return undefined;
  if (ranges === -1) return 'unsatisfiable';
  if (ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0].start, end: ranges[0].end };
}

const AUDIO_BODY = { 'audio/*': { schema: { type: 'string', contentMediaType: 'audio/*' } } };
const AUDIO_HEADERS: Record<string, DocumentedHeader> = {
  'Accept-Ranges': { description: 'always `bytes`', required: true, schema: { const: 'bytes' } },
  'Content-Disposition': {
    description: '`inline; filename="..."`',
    required: true,
    schema: { type: 'string' },
  },
};

/** What `send`/`head` answer (OpenAPI): the audio, whole or the asked byte range, or 416 outside it. */
export const AUDIO_ANSWER: DocumentedResponse = {
  status: 200,
  content: AUDIO_BODY,
  headers: AUDIO_HEADERS,
  more: {
    206: {
      description: 'the byte range the `Range` header asked for',
      content: AUDIO_BODY,
      headers: {
        ...AUDIO_HEADERS,
        'Content-Range': {
          description: '`bytes start-end/size`',
          required: true,
          schema: { type: 'string' },
        },
      },
    },
  },
  errors: [416],
};

@Injectable()
export class AudioDownloads {
  /** Streams `audio` from the object store, honouring the client's Range; errors are DomainErrors. */
  async send(req: GatewayRequest, reply: FastifyReply, audio: MessageAudio): Promise<void> {
    const range = byteRange(
      typeof req.headers.range === 'string' ? req.headers.range : undefined,
      audio.size,
    );
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
    cutWhenIdle(reply.raw.socket, reply.raw);
    await reply.send(upstream.body);
  }

  /** `HEAD`: the headers a GET would answer, without opening the object. */
  async head(reply: FastifyReply, audio: MessageAudio): Promise<void> {
    await reply
      .status(200)
      .header('Content-Type', audio.content_type)
      .header('Accept-Ranges', 'bytes')
      .header('Content-Length', String(audio.size))
      .header('Content-Disposition', `inline; filename="${audio.name}"`)
      .send();
  }
}
