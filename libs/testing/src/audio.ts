// Audio made in code for tests and benchmarks: WAV (quiet square wave), silent MP3 frames, raw GSM 06.10, and a fake.

/** PCM 16-bit WAV of `seconds` of a quiet square wave (not all zero, so it is not mistaken for padding). */
export function wavFile(seconds: number, sampleRate = 8000, channels = 1): Buffer {
  const samples = Math.round(seconds * sampleRate) * channels;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(((i >> 4) & 1) === 0 ? 300 : -300, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** MPEG-1 layer III, 128 kbit/s, 44.1 kHz frames with empty payload: silence, 26.12 ms per frame. */
export function mp3File(seconds: number): Buffer {
  const frames = Math.ceil((seconds * 44100) / 1152);
  const frame = Buffer.alloc(417);
  frame[0] = 0xff;
  frame[1] = 0xfb;
  frame[2] = 0x90;
  frame[3] = 0xc4; // mono
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** Raw GSM 06.10: 33-byte frames of 20 ms, each starting with the 0xD signature. */
export function gsmFile(seconds: number): Buffer {
  const frames = Math.round((seconds * 1000) / 20);
  const out = Buffer.alloc(frames * 33);
  for (let f = 0; f < frames; f++) out[f * 33] = 0xd8;
  return out;
}

/** The first bytes of an ELF executable: what a spoofed `voice.wav` looks like. */
export function executableFile(size = 64 * 1024): Buffer {
  const b = Buffer.alloc(size, 0x90);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(b, 0);
  return b;
}
