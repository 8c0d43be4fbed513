// Face-neutral audio upload: a ticket from the owning service, the audio streamed through the gate
// (size while streaming, type from the bytes) to the store, then attach, or abort on any failure.
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { closeAfterAnswer } from '../common/http-server';
import { AudioGate, tooLarge } from './audio-gate';
import { eachPart, Part } from './multipart';
import { uploadThroughGate } from './object-transfer';

/** What every upload ticket carries (a message's, a slot's, later a greeting's). */
export interface AudioTicket {
  uploadId: string;
  url: string;
  maxBytes: number;
}

export interface UploadFlow<T extends AudioTicket> {
  /** Reserves the upload with the owning service. */
  begin(): Promise<T>;
  /** Releases it (the store object and the reservation); errors are ignored, it is best effort. */
  abort(ticket: T): Promise<unknown>;
  /** Measure the audio while it streams (its gate's `facts`), for a commit that need not read it back. */
  measure?: boolean;
}

/** One upload in progress: begun at most once, when the first audio byte is about to go out. */
export class UploadSession<T extends AudioTicket> {
  ticket?: T;

  constructor(private readonly flow: UploadFlow<T>) {}

  async begin(): Promise<T> {
    this.ticket ??= await this.flow.begin();
    return this.ticket;
  }

  /** Streams `source` to the ticket's URL; a declared length over the cap is refused before reading. */
  async send(source: Readable, contentLength?: number): Promise<AudioGate> {
    const t = await this.begin();
    if (contentLength !== undefined && contentLength > t.maxBytes) throw tooLarge(t.maxBytes);
    return uploadThroughGate(source, t.url, t.maxBytes, contentLength, this.flow.measure);
  }

  async abort(): Promise<void> {
    if (this.ticket) await this.flow.abort(this.ticket).catch(() => undefined);
  }
}

@Injectable()
export class AudioUploads {
  session<T extends AudioTicket>(flow: UploadFlow<T>): UploadSession<T> {
    return new UploadSession(flow);
  }

  /**
   * Runs `work` on `session`; when it fails, the upload is aborted and the connection closed after the
   * answer, so the rest of a refused body is not read.
   */
  async within<T extends AudioTicket, R>(
    reply: FastifyReply,
    session: UploadSession<T>,
    work: () => Promise<R>,
  ): Promise<R> {
    try {
      return await work();
    } catch (e) {
      closeAfterAnswer(reply);
      await session.abort();
      throw e;
    }
  }

  /** Sends the first part `pick` accepts of a multipart body; every other part is drained. */
  async firstPart<T extends AudioTicket>(
    session: UploadSession<T>,
    body: Readable,
    contentType: string,
    pick: (part: Part) => boolean,
  ): Promise<AudioGate | undefined> {
    let gate: AudioGate | undefined;
    let seen = false;
    await eachPart(body, contentType, async (part) => {
      if (seen || !pick(part)) return void part.stream.resume();
      seen = true;
      gate = await session.send(part.stream);
    });
    return gate;
  }
}

/** A `Content-Length` the client declared, when it is one. */
export function declaredLength(header: string | string[] | undefined): number | undefined {
  return typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
}
