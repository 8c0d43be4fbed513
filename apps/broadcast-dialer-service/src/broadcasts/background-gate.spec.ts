import { BackgroundGate } from './background-gate';

describe('BackgroundGate', () => {
  it('holds at most its limit at once and lets a claim (first) go ahead of queued writes', async () => {
    const gate = new BackgroundGate(1);
    const order: string[] = [];
    let release!: () => void;
    const held = gate.run(() => new Promise<void>((r) => (release = r)));
    const writes = [1, 2].map((n) => gate.run(async () => void order.push(`write ${n}`)));
    const claim = gate.run(async () => void order.push('claim'), { first: true });
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    release();
    await Promise.all([held, ...writes, claim]);
    expect(order).toEqual(['claim', 'write 1', 'write 2']);
  });
});
