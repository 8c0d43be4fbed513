// transcription.jobs on real PostgreSQL (transcription-service started, so its migrations ran): one job per
// message however often it is queued, a lease that keeps a job to one replica until it lapses (a replica
// that died), the per-account bound, and a finished job never claimed again.
import { randomBytes } from 'node:crypto';
import { NatsConnection } from 'nats';
import { loadTranscriptionConfig } from '@voxmail/config';
import { STREAM_NAME } from '@voxmail/contracts';
import { NATS_CONNECTION } from '@voxmail/messaging';
import { testEnv } from '@voxmail/testing';
import { DataSource } from 'typeorm';
import { startTranscriptionService, transcriptionDurable } from '../src/bootstrap';
import { JobsRepository } from '../src/jobs/jobs.repository';

jest.setTimeout(60000);

let service: Awaited<ReturnType<typeof startTranscriptionService>>;
let jobs: JobsRepository;
let ds: DataSource;

const hex = () => randomBytes(16).toString('hex');
const messageId = () => `202612-${hex()}`;

beforeAll(async () => {
  // the service's own workers wait a minute between looks: the test does the claiming
  const config = loadTranscriptionConfig(testEnv({ TRANSCRIPTION_POLL_MS: '60000' }));
  service = await startTranscriptionService(config, { handleSignals: false });
  jobs = service.app.get(JobsRepository);
  ds = service.app.get(DataSource);
  // the intake resumes what earlier suites of the run published (message.media_stored of their messages):
  // once it has queued all of it, those jobs are finished here, so none of them (one the service's own
  // worker leased and is retrying, say) turns up in a claim below when its lease lapses
  const jsm = await service.app.get<NatsConnection>(NATS_CONNECTION).jetstreamManager();
  const durable = transcriptionDurable(config.databaseUrl);
  for (const end = Date.now() + 60_000; ;) {
    const i = await jsm.consumers.info(STREAM_NAME, durable).catch(() => undefined);
    if ((i && i.num_pending === 0 && i.num_ack_pending === 0) || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await ds.query(
    `UPDATE transcription.jobs SET state = 'done', outcome = 'other test' WHERE state = 'queued'`,
  );
});

afterAll(async () => {
  await service?.close();
});

/**
 * Claims until nothing is left for `owner`, returning the message ids it got; other tests' jobs (earlier
 * suites of the same run leave queued ones behind) are finished on the way.
 */
async function claimAll(owner: string, leaseMs: number, perAccount: number, tenant: string) {
  const got: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const j = await jobs.claim(owner, leaseMs, perAccount);
    if (!j) break;
    if (j.tenantId === tenant) got.push(j.messageId);
    else await jobs.finish(j, owner, 'other test', null);
  }
  return got;
}

describe('transcription jobs', () => {
  it('queues a message once however often its event comes', async () => {
    const t = hex();
    const m = messageId();
    expect(await jobs.enqueue(ds.manager, t, m, hex())).toBe(true);
    expect(await jobs.enqueue(ds.manager, t, m, hex())).toBe(false);
    const rows = await ds.query(
      `SELECT count(*)::int AS n FROM transcription.jobs WHERE tenant_id = $1 AND message_id = $2`,
      [t, m],
    );
    expect(rows[0].n).toBe(1);
  });

  it('keeps a leased job from other replicas until the lease lapses, then another takes it over', async () => {
    const t = hex();
    const m = messageId();
    await jobs.enqueue(ds.manager, t, m, hex());
    const a = await claimAll('replica-a', 1500, 10, t);
    expect(a).toEqual([m]);
    expect(await claimAll('replica-b', 1500, 10, t)).toEqual([]);
    // replica-a "dies": no renewal, no finish
    await new Promise((r) => setTimeout(r, 2000));
    const b = await jobs.claim('replica-b', 1500, 10);
    expect(b).toEqual(expect.objectContaining({ tenantId: t, messageId: m, attempts: 2 }));
    // replica-a's late renewal no longer holds it
    expect(await jobs.renew(b!, 'replica-a', 1500)).toBe(false);
    expect(await jobs.renew(b!, 'replica-b', 1500)).toBe(true);
    await jobs.finish(b!, 'replica-b', 'success', 7);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await claimAll('replica-c', 1500, 10, t)).toEqual([]);
  });

  it('runs at most the per-account bound of one account at once; other accounts are not held up', async () => {
    const busy = hex();
    const other = hex();
    for (let i = 0; i < 3; i++) await jobs.enqueue(ds.manager, busy, messageId(), hex());
    const otherMessage = messageId();
    await jobs.enqueue(ds.manager, other, otherMessage, hex());
    const claimed: { tenantId: string; messageId: string }[] = [];
    for (let i = 0; i < 100_000; i++) {
      const j = await jobs.claim('replica-a', 30000, 2);
      if (!j) break;
      if (j.tenantId === busy || j.tenantId === other) claimed.push(j);
      else await jobs.finish(j, 'replica-a', 'other test', null);
    }
    expect(claimed.filter((j) => j.tenantId === busy)).toHaveLength(2);
    expect(claimed.filter((j) => j.tenantId === other).map((j) => j.messageId)).toEqual([otherMessage]);
  });

  it('drops a queued job of a deleted message', async () => {
    const t = hex();
    const m = messageId();
    await jobs.enqueue(ds.manager, t, m, hex());
    await jobs.cancel(ds.manager, t, m);
    expect(await claimAll('replica-a', 30000, 10, t)).toEqual([]);
  });
});
