// message-service alone on real PostgreSQL and NATS: its boxes come from mailbox-service's events (published
// here onto JetStream as mailbox-service would), and its rules are the ones it keeps itself: a deposit
// retried with its call_id makes one message, folder moves, deletion into `deleted` and the retention
// sweep, a deleted box's messages purged, an event that breaks the registry's schema parked, and search's
// order over pages (the newest MESSAGE_SEARCH_RANKED_MATCHES matches ranked, the older ones after them).
import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { loadMessageConfig } from '@voxmail/config';
import { Actor, DocReply, ErrorCode, ListReply, Subjects } from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import { failure, publishEvent, testEnv } from '@voxmail/testing';
import { startMessageService } from '../src/bootstrap';

type Running = Awaited<ReturnType<typeof startMessageService>>;

let service: Running;
let nc: NatsConnection;
let bus: CommandClient;
let db: Client;

const hex = () => randomBytes(16).toString('hex');
const run = <T>(subject: string, payload: object) => bus.execute<T>(subject, payload);

const publish = (tenantId: string, type: string, aggregateId: string, data: object) =>
  publishEvent(nc, tenantId, type, aggregateId, data);

/** Tries `fn` until it stops throwing (the projection catching up), within a deadline. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface Box {
  tenantId: string;
  vmboxId: string;
  actor: Actor;
}

/** A tenant and a box, as mailbox-service announces them; resolves once message-service has projected them. */
async function projectedBox(doc: object = {}): Promise<Box> {
  const tenantId = hex();
  const vmboxId = hex();
  await publish(tenantId, 'account.created', tenantId, { id: tenantId, name: 'medium' });
  await publish(tenantId, 'mailbox.created', vmboxId, { id: vmboxId, name: 'B', mailbox: '100', ...doc });
  const b = { tenantId, vmboxId, actor: { accountId: tenantId, role: 'admin' } as Actor };
  await eventually(() => run(Subjects.Message.List, { ...b, query: {} }));
  return b;
}

const deposit = (b: Box, doc: object = {}) =>
  run<DocReply>(Subjects.Message.Create, { ...b, doc: { caller_id_number: '555', ...doc } });
const get = (b: Box, id: string) => run<DocReply>(Subjects.Message.Get, { ...b, id });

beforeAll(async () => {
  const env = testEnv({ MESSAGE_SWEEP_INTERVAL_MS: '200', MESSAGE_SEARCH_RANKED_MATCHES: '5' });
  service = await startMessageService(loadMessageConfig(env), { handleSignals: false });
  nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  bus = new CommandClient(nc, 5000);
  db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
});

afterAll(async () => {
  await nc?.close();
  await db?.end();
  await service?.close();
});

describe('deposits', () => {
  it('a deposit retried with its call_id answers the message already made, and counts once', async () => {
    const b = await projectedBox();
    const callId = `call-${hex()}`;
    const [first, again] = await Promise.all([
      deposit(b, { call_id: callId }),
      deposit(b, { call_id: callId }),
    ]);
    const third = await deposit(b, { call_id: callId });
    expect(again.doc.id).toBe(first.doc.id);
    expect(third.doc.id).toBe(first.doc.id);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2',
      [b.tenantId, b.vmboxId],
    );
    expect(rows[0].n).toBe(1);
    // without a call_id every deposit is a message of its own
    await deposit(b);
    await deposit(b);
    const list = await run<{ docs?: unknown[]; data?: unknown[] }>(Subjects.Message.List, {
      ...b,
      query: {},
    });
    expect(JSON.stringify(list)).toContain(first.doc.id as string);
  });
});

describe('folders and deletion', () => {
  it('moves a message new -> saved -> new; an unknown folder is refused', async () => {
    const b = await projectedBox();
    const m = await deposit(b);
    expect(m.doc.folder).toBe('new');
    const saved = await run<DocReply>(Subjects.Message.Change, { ...b, id: m.doc.id, folder: 'saved' });
    expect(saved.doc.folder).toBe('saved');
    expect((await get(b, m.doc.id as string)).doc.folder).toBe('saved');
    await run(Subjects.Message.Change, { ...b, id: m.doc.id, folder: 'new' });
    expect((await get(b, m.doc.id as string)).doc.folder).toBe('new');
    const bad = await failure(run(Subjects.Message.Change, { ...b, id: m.doc.id, folder: 'trash' }));
    expect(bad.code).toBe(ErrorCode.ValidationFailed);
  });

  it('a delete keeps the message in `deleted` until its retention ends, then the sweep purges it', async () => {
    // a week's retention: deleted, kept
    const kept = await projectedBox({ deleted_retention_days: 7 });
    const k = await deposit(kept);
    await run(Subjects.Message.Delete, { ...kept, id: k.doc.id });
    expect((await get(kept, k.doc.id as string)).doc.folder).toBe('deleted');
    const [row] = (
      await db.query('SELECT purge_at FROM message.messages WHERE tenant_id = $1 AND id = $2', [
        kept.tenantId,
        k.doc.id,
      ])
    ).rows;
    const days = (new Date(row.purge_at).getTime() - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    // no retention: purged by the next sweep (every 200 ms here)
    const gone = await projectedBox({ deleted_retention_days: 0 });
    const g = await deposit(gone);
    await run(Subjects.Message.Delete, { ...gone, id: g.doc.id });
    await eventually(async () => {
      const e = await failure(get(gone, g.doc.id as string));
      expect(e.code).toBe(ErrorCode.NotFound);
    });
    // the kept one is still there after sweeps
    await new Promise((r) => setTimeout(r, 600));
    expect((await get(kept, k.doc.id as string)).doc.folder).toBe('deleted');
  });
});

describe("mailbox-service's events", () => {
  it("mailbox.deleted: the box's messages are purged and the box is gone for deposits", async () => {
    const b = await projectedBox();
    await deposit(b);
    await deposit(b);
    await publish(b.tenantId, 'mailbox.deleted', b.vmboxId, { id: b.vmboxId, name: 'B' });
    await eventually(async () => {
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2',
        [b.tenantId, b.vmboxId],
      );
      expect(rows[0].n).toBe(0);
    });
    const e = await failure(deposit(b));
    expect(e.code).toBe(ErrorCode.NotFound);
  });

  it("an event whose data breaks the registry's schema is parked at once, and the ones after it apply", async () => {
    const tenantId = hex();
    const vmboxId = hex();
    await publish(tenantId, 'account.created', tenantId, { id: tenantId });
    // a box without its id: the schema requires one
    const bad = await publish(tenantId, 'mailbox.created', vmboxId, { name: 'no id' });
    await eventually(async () => {
      const { rows } = await db.query(
        `SELECT consumer, error, deliveries FROM message.parked_events WHERE event_id = $1`,
        [bad],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].consumer).toMatch(/^message-boxes-/);
      expect(rows[0].error).toMatch(/schema/);
      // parked at its first delivery, not after the retries a failing handler gets
      expect(rows[0].deliveries).toBe(1);
    });
    await publish(tenantId, 'mailbox.created', vmboxId, { id: vmboxId, name: 'B' });
    const b = { tenantId, vmboxId, actor: { accountId: tenantId, role: 'admin' } as Actor };
    await eventually(() => deposit(b));
  });
});

describe('search (?q=) over pages', () => {
  const HIGH = 'invoice invoice invoice for the printer';
  const LOW = 'please call me back about the invoice and the meeting on tuesday';
  const NONE = 'please call me back about the meeting';
  let seq = 0;

  /** A transcribed message written as message-service stores one; its id sorts with its time. */
  async function message(b: Box, text: string): Promise<string> {
    seq += 1;
    const ts = 63900000000 + seq;
    const id = `202612-${hex()}`;
    await db.query(
      `INSERT INTO message.messages (tenant_id, id, vmbox_id, folder, ts, doc) VALUES ($1, $2, $3, 'new', $4, $5)`,
      [
        b.tenantId,
        id,
        b.vmboxId,
        ts,
        { folder: 'new', timestamp: ts, transcription: { result: 'success', text } },
      ],
    );
    return id;
  }

  const ids = (r: ListReply) => r.items.map((m) => m.media_id as string);

  /** Every page of a search, page_size 2; `between` runs after the first page. */
  async function pages(cmd: object, subject: string, between?: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    let startKey: string | undefined;
    for (let n = 0; n < 20; n++) {
      const r = await run<ListReply>(subject, { ...cmd, query: { pageSize: 2, startKey } });
      seen.push(...ids(r));
      if (n === 0) await between?.();
      if (!r.nextStartKey) return seen;
      startKey = r.nextStartKey;
    }
    throw new Error('more pages than matches');
  }

  it('ranks the newest 5 matches best first, then the older ones newest first, the same order on every page', async () => {
    const b = await projectedBox();
    const other = await projectedBox();
    // oldest to newest: 12 matches, HIGH every third, with messages that do not match between them
    const written: { id: string; high: boolean }[] = [];
    for (let i = 0; i < 12; i++) {
      const high = i % 3 === 0;
      written.push({ id: await message(b, high ? HIGH : LOW), high });
      await message(b, NONE);
      await message(other, HIGH);
    }
    const newest = [...written].reverse();
    const ranked = newest.slice(0, 5);
    const expected = [
      ...ranked.filter((m) => m.high).map((m) => m.id),
      ...ranked.filter((m) => !m.high).map((m) => m.id),
      ...newest.slice(5).map((m) => m.id),
    ];

    const inBox = { ...b, q: 'invoices' };
    // a match deposited after the first page is not in the later pages: one search is one order
    const later = await pages(inBox, Subjects.Message.List, () => message(b, HIGH));
    expect(later).toEqual(expected);
    // the new one leads a new search, which ranks the newest 5 again
    const again = await pages(inBox, Subjects.Message.List);
    expect(again[0]).not.toEqual(expected[0]);
    expect(again).toHaveLength(13);

    const account = { tenantId: b.tenantId, actor: b.actor, q: 'invoice' };
    const all = await run<ListReply>(Subjects.Message.Search, { ...account, query: { paginate: false } });
    expect(ids(all)).toEqual(again);
    expect(
      all.items.every((m) =>
        String((m._read_only as { highlight: string }).highlight).includes('**invoice**'),
      ),
    ).toBe(true);
    // the other tenant's messages say the same and are never among them
    const theirs = await run<ListReply>(Subjects.Message.Search, {
      tenantId: other.tenantId,
      actor: other.actor,
      q: 'invoice',
      query: { paginate: false },
    });
    expect(theirs.items).toHaveLength(12);
    expect(ids(theirs).filter((id) => again.includes(id))).toEqual([]);

    const forged = Buffer.from(JSON.stringify([1, 'x', -1, '', 1, 0, 1, 'y'])).toString('base64url');
    const e = await failure(run(Subjects.Message.Search, { ...account, query: { startKey: forged } }));
    expect(e.code).toBe(ErrorCode.ValidationFailed);
  });
});
