import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gsmFile, mp3File, wavFile } from '@voxmail/testing';
import { AudioGate } from './audio-gate';
import { measureAudio, wavLayout } from '@voxmail/contracts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function measure(b: Buffer, chunk = 1000, knownSize?: number) {
  const gate = new AudioGate(64 * 1024 * 1024, { knownSize });
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(
      Array.from({ length: Math.ceil(b.length / chunk) }, (_, i) => b.subarray(i * chunk, (i + 1) * chunk)),
    ),
    gate,
    new Writable({
      // a slow store: the meter must not lose or reorder bytes while it waits
      write(c: Buffer, _e, cb) {
        got.push(c);
        setImmediate(cb);
      },
    }),
  );
  expect(Buffer.concat(got).equals(b)).toBe(true);
  return gate.facts;
}

describe('AudioGate with measure (the facts a commit verifies instead of reading the object back)', () => {
  it('measures WAV, MP3 and raw GSM: format, size, sha256 of every byte, length', async () => {
    for (const [format, b, ms] of [
      ['wav', wavFile(2.5), 2500],
      ['mp3', mp3File(1), 1000],
      ['gsm', gsmFile(1), 1000],
    ] as const) {
      const f = await measure(b);
      expect(f).toMatchObject({ format, size: b.length, sha256: sha(b) });
      expect(Math.abs(f!.durationMs! - ms)).toBeLessThanOrEqual(60);
    }
  });

  it('measures a large WAV in big chunks (the parser may stop early; the hash still takes every byte)', async () => {
    const b = wavFile(30, 16000);
    const f = await measure(b, 64 * 1024);
    expect(f).toMatchObject({ format: 'wav', size: b.length, sha256: sha(b), durationMs: 30000 });
  });

  it('cuts a WAV whose header claims more than arrived, and measures a streaming header (0xFFFFFFFF)', async () => {
    const b = wavFile(2, 8000);
    const w = wavLayout(b)!;
    const truncated = b.subarray(0, w.dataStart + 8000 * w.blockAlign); // 1 s of the 2 s it claims
    expect((await measure(truncated))?.durationMs).toBe(1000);
    const streaming = Buffer.from(b);
    streaming.writeUInt32LE(0xffffffff, w.dataStart - 4);
    expect((await measure(streaming))?.durationMs).toBe(2000);
  });

  it('measures nothing without the option, and nothing for bytes that are not audio', async () => {
    const gate = new AudioGate(1000);
    await pipeline(Readable.from([wavFile(0.01)]), gate, new Writable({ write: (_c, _e, cb) => cb() }));
    expect(gate.facts).toBeUndefined();
    await expect(measure(Buffer.alloc(5000, 0x41))).rejects.toMatchObject({ code: 'unsupported_media_type' });
  });
});

describe('one meter, whichever route (issue 20)', () => {
  const chunked = (b: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)),
    );

  it("gives a file the same facts through the gateway's gate and media-storage's read of the object", async () => {
    const b = wavFile(2, 8000);
    const w = wavLayout(b)!;
    // a WAV whose header claims 2 s of which 1 s arrived, a streaming header, and the other formats
    const truncated = b.subarray(0, w.dataStart + 8000 * w.blockAlign);
    const streaming = Buffer.from(b);
    streaming.writeUInt32LE(0xffffffff, w.dataStart - 4);
    for (const file of [truncated, streaming, wavFile(3), mp3File(2), gsmFile(2)]) {
      const gateway = await measure(file, 1000, file.length);
      const store = await measureAudio(chunked(file, 16384), file.length);
      expect(store).toMatchObject({
        format: gateway!.format,
        size: gateway!.size,
        sha256: gateway!.sha256,
        durationMs: gateway!.durationMs,
      });
    }
    expect((await measureAudio(chunked(truncated, 16384), truncated.length)).durationMs).toBe(1000);
  });
});
