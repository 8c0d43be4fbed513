import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import { connect } from 'nats';
import { Client as PgClient } from 'pg';
import {
  checkNats,
  createTestDatabase,
  DEFAULT_DATABASE_URL,
  DEFAULT_NATS_URL,
  ensureInfrastructure,
  freePort,
  Infrastructure,
} from '../src/infra';

const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;

describe('ensureInfrastructure', () => {
  let dir: string;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  let running: Infrastructure | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'voxmail-infra-'));
    lines.length = 0;
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the servers that answer and starts an embedded S3 whose key pair is kept private and reused', async () => {
    const env = { DATABASE_URL: databaseUrl, NATS_URL: natsUrl };
    const ensure = () =>
      ensureInfrastructure({ dataDir: dir, needS3: true, log, env, bucket: 'voxmail-infra-spec' });
    running = await ensure();

    expect(running.databaseUrl).toBe(databaseUrl);
    expect(running.natsUrl).toBe(natsUrl);
    expect(running.started).toEqual([expect.stringContaining('embedded S3')]);
    expect(running.s3).toMatchObject({ bucket: 'voxmail-infra-spec', region: 'us-east-1' });
    expect(statSync(join(dir, 's3-credentials.json')).mode & 0o777).toBe(0o600);

    const s3 = running.s3!;
    const u = new URL(s3.endpoint);
    const client = new MinioClient({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: false,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      pathStyle: true,
    });
    await client.makeBucket(s3.bucket, s3.region);
    expect(await client.bucketExists(s3.bucket)).toBe(true);

    await running.stop();
    running = undefined;
    await expect(fetch(s3.endpoint)).rejects.toThrow();

    // the same folder gives the same key pair, and the objects are still there
    running = await ensure();
    expect(running.s3).toMatchObject({ accessKey: s3.accessKey, secretKey: s3.secretKey });
  });

  it('starts a local nats-server with JetStream when NATS_URL does not answer, and stops it', async () => {
    const nowhere = `nats://127.0.0.1:${await freePort()}`;
    running = await ensureInfrastructure({
      dataDir: dir,
      needS3: false,
      log,
      env: { DATABASE_URL: databaseUrl, NATS_URL: nowhere },
    });

    expect(running.natsUrl).not.toBe(nowhere);
    expect(running.s3).toBeUndefined();
    expect(lines.join('\n')).toContain('is not reachable');
    const nc = await connect({ servers: running.natsUrl });
    const jsm = await nc.jetstreamManager();
    expect((await jsm.getAccountInfo()).limits).toBeDefined();
    await nc.close();

    const url = running.natsUrl;
    await running.stop();
    running = undefined;
    await expect(checkNats(url)).rejects.toThrow();
  });

  it('gives a private NATS with an empty store when asked, even when NATS_URL answers', async () => {
    running = await ensureInfrastructure({
      dataDir: dir,
      needS3: false,
      log,
      privateNats: true,
      env: { DATABASE_URL: databaseUrl, NATS_URL: natsUrl },
    });
    expect(running.natsUrl).not.toBe(natsUrl);
    const nc = await connect({ servers: running.natsUrl });
    const jsm = await nc.jetstreamManager();
    expect(await jsm.streams.list().next()).toEqual([]);
    await nc.close();
  });
});

describe('createTestDatabase', () => {
  const name = `voxmail_infra_spec_${process.env.JEST_WORKER_ID ?? '0'}`;

  afterAll(async () => {
    const c = new PgClient({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  });

  it('creates an empty database, dropping the one of an earlier run even while it has sessions', async () => {
    const url = await createTestDatabase(databaseUrl, name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    const left = new PgClient({ connectionString: url });
    await left.connect();
    left.on('error', () => undefined); // it is disconnected by the drop below
    await left.query('CREATE TABLE leftover (id int)');

    const again = await createTestDatabase(databaseUrl, name);
    const c = new PgClient({ connectionString: again });
    await c.connect();
    const r = await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'leftover'`);
    await c.end();
    await left.end().catch(() => undefined);
    expect(r.rows[0].n).toBe(0);

    // given its own URL as the base (DATABASE_URL already pointing at the test database)
    expect(await createTestDatabase(again, name)).toBe(again);
  });

  it('refuses a name that is not a plain identifier', async () => {
    await expect(createTestDatabase(databaseUrl, 'x"; DROP DATABASE postgres; --')).rejects.toThrow(
      'not a plain',
    );
  });
});
