import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { measureAudio, sniffAudio } from '@voxmail/contracts';
import { executableFile, gsmFile, mp3File, wavFile } from '@voxmail/testing';

const chunked = (b: Buffer, size = 1000) =>
  Readable.from(
    Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)),
  );

describe('sniffAudio', () => {
  it.each([
    ['wav', wavFile(0.5)],
    ['mp3', mp3File(0.5)],
    ['gsm', gsmFile(0.5)],
    ['mp3', Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), mp3File(0.2)])],
    [
      'mp4',
      Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A ', 'latin1'), Buffer.alloc(100)]),
    ],
    [
      'ogg',
      Buffer.concat([
        Buffer.from('OggS', 'latin1'),
        Buffer.alloc(24),
        Buffer.from('OpusHead', 'latin1'),
        Buffer.alloc(100),
      ]),
    ],
  ])('recognises %s from its first bytes', (format, bytes) => {
    expect(sniffAudio(bytes.subarray(0, 4096), false)).toMatchObject({ format });
  });

  it('refuses an executable, text and an Ogg stream that is not Opus', () => {
    expect(sniffAudio(executableFile(4096), false)).toBeUndefined();
    expect(
      sniffAudio(Buffer.from('#!/bin/sh\necho hello, this is not audio at all\n'.repeat(20)), false),
    ).toBeUndefined();
    expect(
      sniffAudio(
        Buffer.concat([Buffer.from('OggS'), Buffer.alloc(24), Buffer.from('vorbis..'), Buffer.alloc(40)]),
        false,
      ),
    ).toBeUndefined();
  });

  it('asks for more bytes while it cannot decide, and decides on a short complete file', () => {
    expect(sniffAudio(Buffer.from('RIFF'), false)).toBe('need_more');
    expect(sniffAudio(Buffer.from('RIFF'), true)).toBeUndefined();
    expect(sniffAudio(gsmFile(0.04), true)).toMatchObject({ format: 'gsm' });
  });

  it('does not take one stray frame-sync byte pair for MP3', () => {
    const b = Buffer.alloc(4096, 0x41);
    b[0] = 0xff;
    b[1] = 0xfb;
    b[2] = 0x90;
    expect(sniffAudio(b, false)).toBeUndefined();
  });
});

describe('measureAudio', () => {
  it('measures a WAV, hashes every byte and counts the size', async () => {
    const wav = wavFile(30);
    const r = await measureAudio(chunked(wav, 16384), wav.length);
    expect(r).toEqual({
      format: 'wav',
      contentType: 'audio/wav',
      sha256: createHash('sha256').update(wav).digest('hex'),
      size: wav.length,
      durationMs: 30000,
    });
  });

  it('measures MP3 and raw GSM', async () => {
    const mp3 = mp3File(5);
    const m = await measureAudio(chunked(mp3), mp3.length);
    expect(m.format).toBe('mp3');
    expect(Math.abs(m.durationMs! - 5000)).toBeLessThan(60);
    expect(m.sha256).toBe(createHash('sha256').update(mp3).digest('hex'));
    const gsm = gsmFile(3);
    expect(await measureAudio(chunked(gsm), gsm.length)).toMatchObject({
      format: 'gsm',
      durationMs: 3000,
      size: gsm.length,
    });
  });

  it('finds no format in an executable', async () => {
    const r = await measureAudio(chunked(executableFile()));
    expect(r.format).toBeUndefined();
  });
});

describe('measureAudio when the store stream fails', () => {
  // the object store connection can drop mid-object: the read must fail as a retryable error, never
  // as an uncaught stream error (which stops the service for every tenant) nor hang
  const failingAfter = (head: Buffer) =>
    new Readable({
      read() {
        if (this.readableLength === 0 && !(this as { sent?: boolean }).sent) {
          (this as { sent?: boolean }).sent = true;
          this.push(head);
        } else setImmediate(() => this.destroy(new Error('socket hang up')));
      },
    });

  it.each([
    ['wav', wavFile(2)],
    ['gsm', gsmFile(2)],
    ['mp3', mp3File(2)],
  ])('rejects for %s audio cut off mid-object', async (_f, audio) => {
    await expect(measureAudio(failingAfter(audio.subarray(0, 6000)))).rejects.toMatchObject({
      code: 'service_unavailable',
    });
  });

  it('does not fail later for a non-audio object whose stream is destroyed', async () => {
    const r = await measureAudio(failingAfter(executableFile(8000)));
    expect(r.format).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
  });
});
