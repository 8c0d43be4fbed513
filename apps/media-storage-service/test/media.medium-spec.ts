// media-storage-service with its real PostgreSQL schema, NATS and S3: tickets, commits, the sweeper.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadMediaConfig } from '@voxmail/config';
import { Actor, DomainError, ErrorCode, newId } from '@voxmail/contracts';
import { testEnv } from '@voxmail/testing';
import { startMediaService } from '../src/bootstrap';
import { executableFile, wavFile } from '@voxmail/testing';
import { MediaService } from '../src/media/media.service';
import { ObjectStore } from '../src/storage/object-store';

let running: Awaited<ReturnType<typeof startMediaService>>;
let media: MediaService;
let store: ObjectStore;
let ds: DataSource;
const tenantId = randomBytes(16).toString('hex');
const actor: Actor = { accountId: tenantId, role: 'admin' };

beforeAll(async () => {
  running = await startMediaService(loadMediaConfig(testEnv()), { handleSignals: false });
  media = running.app.get(MediaService);
  store = running.app.get(ObjectStore);
  ds = running.app.get(DataSource);
}, 30000);

afterAll(async () => {
  await running?.close();
}, 30000);

async function upload(ticketUrl: string, body: Buffer): Promise<void> {
  const r = await fetch(ticketUrl, { method: 'PUT', body });
  expect(r.status).toBe(200);
}

const keysOf = async () => {
  const keys: string[] = [];
  for await (const o of store.client.listObjectsV2(store.bucket, `${tenantId}/`, true))
    if (o.name) keys.push(o.name);
  return keys;
};

it('commits an upload once: records size, sha256, type and duration; a second commit answers the same', async () => {
  const t = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: '201605-' + newId() });
  const wav = wavFile(2);
  await upload(t.url, wav);
  const stored = await media.commit({ tenantId, actor, uploadId: t.uploadId });
  expect(stored).toMatchObject({
    object_id: t.uploadId,
    content_type: 'audio/wav',
    format: 'wav',
    size: wav.length,
    duration_ms: 2000,
  });
  expect(await media.commit({ tenantId, actor, uploadId: t.uploadId })).toEqual(stored);
  expect(await keysOf()).toContain(`${tenantId}/message/${t.uploadId}`);
});

it('a refused commit leaves neither object nor row', async () => {
  const t = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'x' });
  await upload(t.url, executableFile());
  await expect(media.commit({ tenantId, actor, uploadId: t.uploadId })).rejects.toMatchObject({
    code: ErrorCode.UnsupportedMediaType,
  });
  expect(await keysOf()).not.toContain(`${tenantId}/message/${t.uploadId}`);
  const rows = await ds.query('SELECT 1 FROM media.objects WHERE id = $1', [t.uploadId]);
  expect(rows).toHaveLength(0);
  await expect(media.commit({ tenantId, actor, uploadId: t.uploadId })).rejects.toBeInstanceOf(DomainError);
});

it('sweeps uploads never committed and message objects no message claimed, and keeps the rest', async () => {
  const abandoned = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'a' });
  await upload(abandoned.url, wavFile(1));
  const unclaimed = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'b' });
  await upload(unclaimed.url, wavFile(1));
  await media.commit({ tenantId, actor, uploadId: unclaimed.uploadId });
  const kept = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'c' });
  await upload(kept.url, wavFile(1));
  await media.commit({ tenantId, actor, uploadId: kept.uploadId });
  await ds.transaction((m) => media.claim(m, tenantId, kept.uploadId));
  // time passes: the ticket expires, the unclaimed object outlives its grace period
  await ds.query(`UPDATE media.objects SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
    abandoned.uploadId,
  ]);
  await ds.query(`UPDATE media.objects SET stored_at = now() - interval '30 days' WHERE id IN ($1, $2)`, [
    unclaimed.uploadId,
    kept.uploadId,
  ]);
  expect(await media.sweepAbandoned()).toBeGreaterThanOrEqual(2);
  const keys = await keysOf();
  expect(keys).not.toContain(`${tenantId}/message/${abandoned.uploadId}`);
  expect(keys).not.toContain(`${tenantId}/message/${unclaimed.uploadId}`);
  expect(keys).toContain(`${tenantId}/message/${kept.uploadId}`);
});

/** Renditions need ffmpeg from Debian (the test command installs it when it runs as root). */
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

(hasFfmpeg ? it : it.skip)(
  'deleting an object is idempotent and takes its renditions along (needs ffmpeg)',
  async () => {
    const t = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'd' });
    await upload(t.url, wavFile(1));
    await media.commit({ tenantId, actor, uploadId: t.uploadId });
    const mp3 = await media.downloadTicket({ tenantId, actor, objectId: t.uploadId, format: 'mp3' });
    expect(mp3.content_type).toBe('audio/mpeg');
    const before = (await keysOf()).length;
    expect(await ds.transaction((m) => media.deleteObject(m, tenantId, t.uploadId, 'test'))).toBe(true);
    expect(await ds.transaction((m) => media.deleteObject(m, tenantId, t.uploadId, 'test'))).toBe(false);
    expect((await keysOf()).length).toBe(before - 2);
  },
);

(hasFfmpeg ? it : it.skip)(
  'a failed transcode never logs the presigned URL ffmpeg read from (its credentials and signature)',
  async () => {
    const t = await media.uploadTicket({ tenantId, actor, kind: 'message', ownerId: 'e' });
    await upload(t.url, wavFile(1));
    await media.commit({ tenantId, actor, uploadId: t.uploadId });
    // the object is gone from the store (removed out of band, or by a concurrent delete): ffmpeg gets a 404
    await store.remove(`${tenantId}/message/${t.uploadId}`);
    const logged: string[] = [];
    const spies = (['log', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
      }),
    );
    try {
      await expect(
        media.downloadTicket({ tenantId, actor, objectId: t.uploadId, format: 'mp3' }),
      ).rejects.toMatchObject({ code: ErrorCode.Unprocessable });
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    const text = logged.join('\n');
    expect(text).toMatch(/ffmpeg failed/);
    expect(text).not.toMatch(/X-Amz-(Credential|Signature)/i);
  },
);

describe("commit with the gateway's facts (measured while streaming)", () => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const factsOf = (b: Buffer, durationMs?: number) => ({
    format: 'wav' as const,
    size: b.length,
    sha256: sha(b),
    durationMs,
  });

  afterEach(() => jest.restoreAllMocks());

  it('records them after a size check and a ranged read of the head, without reading the object back', async () => {
    const t = await media.uploadTicket({ tenantId, actor, kind: 'greeting', ownerId: 'f1' });
    const wav = wavFile(3);
    await upload(t.url, wav);
    const read = jest.spyOn(store, 'read');
    const head = jest.spyOn(store, 'readHead');
    const stored = await media.commit({ tenantId, actor, uploadId: t.uploadId, facts: factsOf(wav, 3000) });
    expect(stored).toMatchObject({ format: 'wav', size: wav.length, sha256: sha(wav), duration_ms: 3000 });
    expect(read).not.toHaveBeenCalled();
    expect(head).toHaveBeenCalledTimes(1);
  });

  it('reads the whole object when the size or the format disagrees, and refuses what is not audio', async () => {
    const t = await media.uploadTicket({ tenantId, actor, kind: 'greeting', ownerId: 'f2' });
    const wav = wavFile(2);
    await upload(t.url, wav);
    const read = jest.spyOn(store, 'read');
    const lying = { ...factsOf(wav, 99), size: wav.length + 1, sha256: 'a'.repeat(64) };
    const stored = await media.commit({ tenantId, actor, uploadId: t.uploadId, facts: lying });
    expect(read).toHaveBeenCalledTimes(1);
    expect(stored).toMatchObject({ sha256: sha(wav), duration_ms: 2000 });

    const x = await media.uploadTicket({ tenantId, actor, kind: 'greeting', ownerId: 'f3' });
    const exe = executableFile(5000);
    await upload(x.url, exe);
    await expect(
      media.commit({ tenantId, actor, uploadId: x.uploadId, facts: factsOf(exe, 1000) }),
    ).rejects.toMatchObject({ code: ErrorCode.UnsupportedMediaType });
    expect(await keysOf()).not.toContain(`${tenantId}/greeting/${x.uploadId}`);
  });

  it('keeps the refusals: no playable audio, longer than allowed; nothing is left of either', async () => {
    for (const [durationMs, maxDurationMs, code] of [
      [undefined, undefined, ErrorCode.UnsupportedMediaType],
      [0, undefined, ErrorCode.UnsupportedMediaType],
      [5000, 4000, ErrorCode.ValidationFailed],
    ] as const) {
      const t = await media.uploadTicket({ tenantId, actor, kind: 'greeting', ownerId: 'f4' });
      const wav = wavFile(1);
      await upload(t.url, wav);
      await expect(
        media.commit({
          tenantId,
          actor,
          uploadId: t.uploadId,
          maxDurationMs,
          facts: factsOf(wav, durationMs),
        }),
      ).rejects.toMatchObject({ code });
      expect(await keysOf()).not.toContain(`${tenantId}/greeting/${t.uploadId}`);
      const rows = await ds.query(`SELECT 1 FROM media.objects WHERE id = $1`, [t.uploadId]);
      expect(rows).toHaveLength(0);
    }
  });
});
