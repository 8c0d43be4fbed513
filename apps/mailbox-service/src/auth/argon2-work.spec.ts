import { DomainError } from '@voxmail/contracts';
import { FairWorkQueue } from './argon2-work';

const limits = {
  concurrency: 2,
  perAccount: 1,
  queuePerAccount: 8,
  queuePerCredential: 8,
  queueTimeoutMs: 5000,
};

/** Work that finishes when the test says so; records the order things started in. */
function gated(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { work: () => (started.push(name), done.then(() => name)), finish: () => finish() };
}

describe('FairWorkQueue (issue 24: argon2 work fair across accounts)', () => {
  it("one account's storm waits behind itself: another account's work starts at once", async () => {
    const q = new FairWorkQueue(limits);
    const started: string[] = [];
    const a = Array.from({ length: 5 }, (_, i) => gated(started, `a${i}`));
    const pa = a.map((g, i) => q.run('A', `cred${i}`, g.work));
    const b = gated(started, 'b0');
    const pb = q.run('B', 'credB', b.work);
    // A holds only its share (1 of 2); B starts without waiting for any of A's
    expect(started).toEqual(['a0', 'b0']);
    b.finish();
    await expect(pb).resolves.toBe('b0');
    for (const g of a) g.finish();
    await expect(Promise.all(pa)).resolves.toHaveLength(5);
    expect(started).toEqual(['a0', 'b0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('refuses (429) work beyond the per-credential and per-account queues, successes counted too', async () => {
    const q = new FairWorkQueue({ ...limits, queuePerCredential: 2, queuePerAccount: 3 });
    const started: string[] = [];
    const gs = Array.from({ length: 3 }, (_, i) => gated(started, `x${i}`));
    const p1 = q.run('A', 'same', gs[0].work);
    const p2 = q.run('A', 'same', gs[1].work);
    await expect(q.run('A', 'same', gs[2].work)).rejects.toMatchObject({ code: 'rate_limited' });
    const p3 = q.run('A', 'other', gs[2].work);
    const over = await q.run('A', 'third', async () => 'never').catch((e: DomainError) => e);
    expect(over).toBeInstanceOf(DomainError);
    expect((over as DomainError).details).toEqual({ retry_after_s: 1 });
    for (const g of gs) g.finish();
    await Promise.all([p1, p2, p3]);
    // room again once they are done
    await expect(q.run('A', 'same', async () => 'ok')).resolves.toBe('ok');
  });

  it('work that waited too long is refused (429) and leaves the queue', async () => {
    const q = new FairWorkQueue({ ...limits, concurrency: 1, queueTimeoutMs: 50 });
    const started: string[] = [];
    const first = gated(started, 'first');
    const p = q.run('A', 'c1', first.work);
    await expect(q.run('B', 'c2', async () => 'late')).rejects.toMatchObject({ code: 'rate_limited' });
    first.finish();
    await p;
    await expect(q.run('B', 'c2', async () => 'now')).resolves.toBe('now');
  });
});
