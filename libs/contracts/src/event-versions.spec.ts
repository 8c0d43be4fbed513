// The versioning mechanism on a made-up breaking change: `mwi.updated` v2 renames new/saved to
// unread/read. Old consumers keep reading v1 copies for a release; new consumers read v2 and upcast the
// v1 events already in the stream.
import { defineEvent, EventDef, f, newEvent, payload } from './event-registry';
import type { EventEnvelope } from './events';
import { readCurrent, withPreviousVersions } from './event-versions';

const v1 = payload({ required: { vmbox_id: f.string(), new: f.integer(), saved: f.integer() } });
const MwiV2 = defineEvent('mwi.updated', {
  version: 2,
  summary: 'counts',
  producer: 'message-service',
  data: payload({ required: { vmbox_id: f.string(), unread: f.integer(), read: f.integer() } }),
  previous: {
    version: 1,
    data: v1,
    until: '0.3.0',
    downcast: (d) => ({ vmbox_id: d.vmbox_id, new: d.unread, saved: d.read }),
    upcast: (o) => ({ vmbox_id: String(o.vmbox_id), unread: Number(o.new), read: Number(o.saved) }),
  },
});
const lookup = (t: string): EventDef | undefined => (t === MwiV2.type ? (MwiV2 as EventDef) : undefined);

const envelope = (e: { type: string; version?: number; data: unknown }, extra: Partial<EventEnvelope> = {}) =>
  ({
    id: 'id',
    type: e.type,
    version: e.version ?? 1,
    tenantId: 't',
    aggregateId: 'b',
    occurredAt: '',
    data: e.data as Record<string, unknown>,
    ...extra,
  }) as EventEnvelope;

describe('event versions', () => {
  const current = newEvent(MwiV2, {
    tenantId: 't',
    aggregateId: 'b',
    data: { vmbox_id: 'b', unread: 2, read: 5 },
  });

  it('producers publish the current version and, for one release, the previous one', () => {
    const out = withPreviousVersions([current], lookup);
    expect(out.map((o) => [o.event.version, o.event.data, o.legacyOfIndex])).toEqual([
      [2, { vmbox_id: 'b', unread: 2, read: 5 }, undefined],
      [1, { vmbox_id: 'b', new: 2, saved: 5 }, 0],
    ]);
  });

  it('an event without a previous version is published once', () => {
    // a literal stands in for a registry-built event here (the brand only guards producers)
    const other = {
      type: 'mailbox.created',
      version: 1,
      tenantId: 't',
      aggregateId: 'b',
      data: {},
    } as unknown as Parameters<typeof withPreviousVersions>[0][number];
    expect(withPreviousVersions([other], lookup)).toEqual([{ event: other }]);
  });

  it('a consumer of the current version skips legacy copies and upcasts old events', () => {
    expect(readCurrent(MwiV2, envelope(current))?.data).toEqual({ vmbox_id: 'b', unread: 2, read: 5 });
    const copy = envelope(
      { type: 'mwi.updated', version: 1, data: { vmbox_id: 'b', new: 2, saved: 5 } },
      {
        legacyOf: 'id',
      },
    );
    expect(readCurrent(MwiV2, copy)).toBeNull();
    const historic = envelope({ type: 'mwi.updated', version: 1, data: { vmbox_id: 'b', new: 1, saved: 0 } });
    expect(readCurrent(MwiV2, historic)).toMatchObject({
      version: 2,
      data: { vmbox_id: 'b', unread: 1, read: 0 },
    });
    expect(readCurrent(MwiV2, envelope({ type: 'mwi.updated', version: 9, data: {} }))).toBeNull();
  });
});
