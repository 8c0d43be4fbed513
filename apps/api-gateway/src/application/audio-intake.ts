// The one audio intake of the gateway (issue 20): every face's upload is "parse → AudioIntake.take →
// render". The use case reads the request's audio from its source (the whole body, or one part of a
// multipart body beside metadata parts), reserves the upload with the owning service (its ticket),
// streams the audio through the gate (type from the bytes, size while streaming, measured with the
// platform's one meter) to the store, then hands the measured upload to the owner to attach; on any
// failure the upload is aborted and the connection closed after the answer, so the rest of a refused
// body is not read and nothing is kept.
import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AudioFacts, AudioFormat } from '@voxmail/contracts';
import { closeAfterAnswer } from '../common/http-server';
import { tooLarge } from './audio-gate';
import { eachPart, Part } from './multipart';
import { uploadThroughGate } from './object-transfer';

/** What every upload ticket carries (a message's, a slot's, a media document's). */
export interface AudioTicket {
  uploadId: string;
  url: string;
  maxBytes: number;
}

/** Where the audio is in the request. */
export type AudioSource =
  /** The whole body is the audio; `length` is the client's declared Content-Length, if any. */
  | { body: Readable; length?: number }
  /** One part of a multipart body is the audio; the other parts are the face's (metadata, fields). */
  | { body: Readable; contentType: string; parts: PartRoles };

export interface PartRoles {
  /** Whether `part` is the audio (the first one it accepts is); it may throw to refuse the request. */
  isAudio(part: Part): boolean;
  /** A part that is not the audio: read by the face (JSON metadata, a form field), or left to drain. */
  other?(part: Part): Promise<void>;
  /** A second audio part is refused with this error; without it, later audio parts are drained. */
  secondAudio?: () => Error;
}

/** The audio as the store received it: the ticket it went under, and what the gate measured. */
export interface ReceivedAudio<T extends AudioTicket> {
  ticket: T;
  /** The format the bytes are (sniffed from them, whatever the client declared). */
  format: AudioFormat;
  /** sha256, size and length, measured while streaming: the commit need not read the object back. */
  facts?: AudioFacts;
}

/** The service that owns the audio, as the use case sees it: reserve, attach, or abort. */
export interface AudioOwner<T extends AudioTicket, R> {
  /** Reserves the upload (a ticket: where the bytes go, and the size limit). */
  reserve(): Promise<T>;
  /** Releases a reservation that will not be attached: its stored bytes and its record. */
  abort(ticket: T): Promise<unknown>;
  /**
   * Makes the received audio the owner's (attach, commit, create), once the whole body is read; called
   * with undefined when the source's audio is optional and there was none. It may `discard` the upload
   * itself and answer (a Yeastar `ask` only checks). Any failure aborts the upload.
   */
  attach(audio: ReceivedAudio<T> | undefined, discard: () => Promise<void>): Promise<R>;
  /** Reserve before reading the body (the reservation checks its target), not at the first audio byte. */
  reserveFirst?: boolean;
  /** Checks the request against the reservation before any audio is read (a type it does not take). */
  accepts?(ticket: T): void;
  /** A multipart body without an audio part: this error; without it, the audio is optional. */
  missingAudio?: () => Error;
  /** The face's own shape of a refusal (its 413 wording...), after the upload was aborted. */
  refusal?(e: unknown, ticket: T | undefined): unknown;
}

/** One request's intake: its ticket (taken at most once) and the audio it received. */
class IntakeRun<T extends AudioTicket, R> {
  ticket?: T;
  private reserving?: Promise<T>;
  received?: ReceivedAudio<T>;

  constructor(private readonly owner: AudioOwner<T, R>) {}

  reserve(): Promise<T> {
    this.reserving ??= this.owner.reserve().then((t) => (this.ticket = t));
    return this.reserving;
  }

  /** Streams `source` to the ticket's URL; a declared length over the cap is refused before reading. */
  async send(source: Readable, length?: number): Promise<void> {
    const t = await this.reserve();
    this.owner.accepts?.(t);
    if (length !== undefined && length > t.maxBytes) throw tooLarge(t.maxBytes);
    const gate = await uploadThroughGate(source, t.url, t.maxBytes, length, true);
    this.received = { ticket: t, format: gate.sniffed!.format, facts: gate.facts };
  }

  async abort(): Promise<void> {
    const t = this.ticket;
    this.ticket = undefined;
    if (t) await this.owner.abort(t).catch(() => undefined);
  }
}

@Injectable()
export class AudioIntake {
  /** Takes the audio of one request from `source` for `owner`; answers what the owner's attach answers. */
  async take<T extends AudioTicket, R>(
    reply: FastifyReply,
    source: AudioSource,
    owner: AudioOwner<T, R>,
  ): Promise<R> {
    const run = new IntakeRun(owner);
    // a reservation refused up front is the owner's answer: no upload to abort, the body is not read
    const early = owner.reserveFirst ? await run.reserve() : undefined;
    try {
      if ('parts' in source) await this.fromParts(run, source, owner);
      else await run.send(source.body, source.length);
      return await owner.attach(run.received, () => run.abort());
    } catch (e) {
      closeAfterAnswer(reply);
      const ticket = run.ticket ?? early;
      await run.abort();
      throw owner.refusal ? owner.refusal(e, ticket) : e;
    }
  }

  /** The first audio part goes to the store as it arrives; the other parts are the face's. */
  private async fromParts<T extends AudioTicket, R>(
    run: IntakeRun<T, R>,
    source: { body: Readable; contentType: string; parts: PartRoles },
    owner: AudioOwner<T, R>,
  ): Promise<void> {
    let seen = false;
    const { parts } = source;
    await eachPart(source.body, source.contentType, async (part) => {
      if (!parts.isAudio(part)) return parts.other ? parts.other(part) : void part.stream.resume();
      if (seen) {
        if (parts.secondAudio) throw parts.secondAudio();
        return void part.stream.resume();
      }
      seen = true;
      await run.send(part.stream);
    });
    if (!seen && owner.missingAudio) throw owner.missingAudio();
  }
}

/** A `Content-Length` the client declared, when it is one. */
export function declaredLength(header: string | string[] | undefined): number | undefined {
  return typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
}
