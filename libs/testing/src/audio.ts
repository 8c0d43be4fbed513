// Audio made in code for tests and benchmarks: WAV (quiet square wave), silent MP3 frames, raw GSM 06.10,
// Ogg Opus (empty DTX frames), and a fake.

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

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

function oggCrc(page: Buffer): number {
  let crc = 0;
  for (const b of page) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]) >>> 0;
  return crc;
}

function oggPage(packets: Buffer[], granule: bigint, seq: number, flags: number): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(0x766f786d, 14);
  header.writeUInt32LE(seq, 18);
  header[26] = lacing.length;
  const page = Buffer.concat([header, Buffer.from(lacing), ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** A valid Ogg Opus stream of `seconds` of (empty, DTX) 20 ms CELT frames, as a VoicemailServer records. */
export function opusFile(seconds: number): Buffer {
  const preSkip = 312;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(48000, 12);
  const vendor = Buffer.from('voxmail-test');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  const pages = [oggPage([head], 0n, 0, 0x02), oggPage([tags], 0n, 1, 0)];
  for (let s = 0; s < seconds; s++) {
    const frames = Array.from({ length: 50 }, () => Buffer.from([0xf8, 0xff, 0xfe]));
    const granule = BigInt((s + 1) * 48000 + preSkip);
    pages.push(oggPage(frames, granule, s + 2, s === seconds - 1 ? 0x04 : 0));
  }
  return Buffer.concat(pages);
}
