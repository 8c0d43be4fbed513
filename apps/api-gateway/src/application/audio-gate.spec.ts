import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode } from '@voxmail/contracts';
import { AudioGate } from './audio-gate';

function wav(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.write('RIFF', 0, 'latin1');
  b.write('WAVE', 8, 'latin1');
  return b;
}

async function through(chunks: Buffer[], max: number): Promise<{ out: Buffer; gate: AudioGate }> {
  const gate = new AudioGate(max);
  const got: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    gate,
    new Writable({
      write(c: Buffer, _e, cb) {
        got.push(c);
        cb();
      },
    }),
  );
  return { out: Buffer.concat(got), gate };
}

describe('AudioGate', () => {
  it('passes audio through unchanged, even when its header arrives a byte at a time', async () => {
    const w = wav(10000);
    const chunks = [...Array.from({ length: 12 }, (_, i) => w.subarray(i, i + 1)), w.subarray(12)];
    const { out, gate } = await through(chunks, 20000);
    expect(out.equals(w)).toBe(true);
    expect(gate.sniffed?.format).toBe('wav');
    expect(gate.size).toBe(10000);
  });

  it('fails with 415 on non-audio and 413 past the limit', async () => {
    const exe = Buffer.alloc(5000, 0x90);
    exe.write('\x7fELF', 0, 'latin1');
    await expect(through([exe], 20000)).rejects.toMatchObject({ code: ErrorCode.UnsupportedMediaType });
    await expect(through([wav(8000), wav(8000)], 10000)).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
    await expect(through([], 10000)).rejects.toMatchObject({ code: ErrorCode.UnsupportedMediaType });
  });
});
