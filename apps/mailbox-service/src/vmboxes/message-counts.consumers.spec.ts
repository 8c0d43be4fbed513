import type { EventEnvelope } from '@voxmail/contracts';
import { mwiCountsOf, mwiDurableName } from './message-counts.consumers';

const box = 'b'.repeat(32);
const envelope = (
  over: Partial<EventEnvelope> = {},
  data: Record<string, unknown> = { vmbox_id: box, new: 2, saved: 3 },
): EventEnvelope => ({
  id: 'e1',
  type: 'mwi.updated',
  version: 1,
  tenantId: 'a'.repeat(32),
  aggregateId: box,
  occurredAt: '2030-01-01T00:00:00.123Z',
  data,
  ...over,
});

describe('mwi.updated projection input', () => {
  it('reads the counts and the time of the event', () => {
    expect(mwiCountsOf(envelope())).toEqual({
      vmboxId: box,
      new: 2,
      saved: 3,
      occurredAt: new Date('2030-01-01T00:00:00.123Z'),
    });
  });

  it.each([
    ['a missing box id', { new: 1, saved: 0 }],
    ['a box id that is not 32 hex', { vmbox_id: 'x', new: 1, saved: 0 }],
    ['a negative count', { vmbox_id: box, new: -1, saved: 0 }],
    ['a fractional count', { vmbox_id: box, new: 1.5, saved: 0 }],
    ['a count given as text', { vmbox_id: box, new: '1', saved: 0 }],
  ])('rejects %s so the event is retried and parked, not lost', (_what, data) => {
    expect(() => mwiCountsOf(envelope({}, data))).toThrow(/malformed mwi.updated/);
  });

  it('rejects an event without a usable time', () => {
    expect(() => mwiCountsOf(envelope({ occurredAt: 'yesterday' }))).toThrow(/malformed/);
  });
});

describe('durable consumer name', () => {
  it('follows the database, so deployments sharing NATS keep separate projections', () => {
    expect(mwiDurableName('postgres://postgres@127.0.0.1:5432/voxmail')).toBe('mailbox-mwi-voxmail');
    expect(mwiDurableName('postgres://u:p@db:5432/vox.mail?sslmode=require')).toBe('mailbox-mwi-vox_mail');
    expect(mwiDurableName('postgres://db')).toBe('mailbox-mwi-default');
  });
});
