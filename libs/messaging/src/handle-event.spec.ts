import { join } from 'node:path';
import 'reflect-metadata';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { APPS, DataOf, EventEnvelope, Events, EVENT_CONSUMERS } from '@voxmail/contracts';
import { EventConsumer, EventHandler, PoisonEvent } from './consumer';
import { ANY_EVENT, consumersOf, eventConsumersOf, HandleEvent, ReceivedEvent } from './handle-event';

const T = 'a'.repeat(32);
const BOX = 'b'.repeat(32);
const m = {} as EntityManager;
const meta = { streamSequence: 7 };
const envelope = (type: string, data: unknown, over: Partial<EventEnvelope> = {}): EventEnvelope =>
  ({
    id: 'e1',
    type,
    version: 1,
    tenantId: T,
    aggregateId: BOX,
    occurredAt: '2030-01-01T00:00:00.000Z',
    data,
    ...over,
  }) as EventEnvelope;

class Probe {
  seen: [string, unknown][] = [];

  @HandleEvent(Events.MwiUpdated, { durable: 'probe-counts', perDatabase: true })
  async mwi(e: ReceivedEvent<DataOf<typeof Events.MwiUpdated>>) {
    this.seen.push(['mwi', e.data.new]);
  }

  @HandleEvent([Events.MailboxCreated, Events.MailboxDeleted], { durable: 'probe-counts', perDatabase: true })
  async box(e: ReceivedEvent<DataOf<typeof Events.MailboxCreated>>) {
    this.seen.push(['box', e.data.id]);
    return () => this.seen.push(['after', e.id]);
  }

  @HandleEvent(ANY_EVENT, { durable: 'probe-all', maxDeliveries: 9 })
  async any(e: EventEnvelope) {
    this.seen.push(['any', e.type]);
  }
}

const host = {
  nc: {} as NatsConnection,
  ds: {} as DataSource,
  schema: 'probe',
  databaseUrl: 'postgres://u@db:5432/vox_test',
};
const parts = (c: EventConsumer) =>
  c as unknown as {
    o: { durable: string; filterSubjects: string[]; maxDeliveries?: number };
    handler: EventHandler;
  };

describe('@HandleEvent', () => {
  const probe = new Probe();
  const consumers = eventConsumersOf([probe, { unrelated: true }], host).map(parts);
  const counts = consumers.find((c) => c.o.durable.startsWith('probe-counts'))!;
  const all = consumers.find((c) => c.o.durable === 'probe-all')!;

  it("makes one durable consumer per durable name, its subjects the handlers' event types", () => {
    expect(consumers).toHaveLength(2);
    expect(counts.o.durable).toBe('probe-counts-vox_test');
    expect(counts.o.filterSubjects.sort()).toEqual(
      ['voxmail.evt.*.mwi.updated', 'voxmail.evt.*.mailbox.created', 'voxmail.evt.*.mailbox.deleted'].sort(),
    );
    expect(all.o).toEqual({ durable: 'probe-all', filterSubjects: ['voxmail.evt.>'], maxDeliveries: 9 });
  });

  it('hands each event to the method of its type, and its after-commit work back', async () => {
    probe.seen = [];
    await counts.handler(envelope('mwi.updated', { vmbox_id: BOX, new: 2, saved: 0 }), m, meta);
    const after = await counts.handler(envelope('mailbox.created', { id: BOX, name: 'x' }), m, meta);
    expect(typeof after).toBe('function');
    (after as () => void)();
    await all.handler(envelope('not.in.the.registry', { whatever: 1 }), m, meta);
    expect(probe.seen).toEqual([
      ['mwi', 2],
      ['box', BOX],
      ['after', 'e1'],
      ['any', 'not.in.the.registry'],
    ]);
  });

  it("refuses, as poison, a payload that breaks the registry's schema, before the method runs", async () => {
    probe.seen = [];
    for (const data of [{ vmbox_id: BOX, new: 'two', saved: 0 }, { vmbox_id: BOX }, null]) {
      await expect(counts.handler(envelope('mwi.updated', data), m, meta)).rejects.toBeInstanceOf(
        PoisonEvent,
      );
    }
    await expect(all.handler(envelope('mwi.updated', {}), m, meta)).rejects.toThrow(/schema/);
    expect(probe.seen).toEqual([]);
  });

  it('skips a version it does not read (the copy in its own version comes too)', async () => {
    probe.seen = [];
    await counts.handler(
      envelope('mwi.updated', { vmbox_id: BOX, new: 1, saved: 0 }, { version: 2 }),
      m,
      meta,
    );
    expect(probe.seen).toEqual([]);
  });

  it('refuses two handlers of one type on one durable, and durables whose options disagree', () => {
    class Twice {
      @HandleEvent(Events.MwiUpdated, { durable: 'twice' }) async a() {}
      @HandleEvent(Events.MwiUpdated, { durable: 'twice' }) async b() {}
    }
    expect(() => eventConsumersOf([new Twice()], host)).toThrow(/mwi.updated twice/);
    class Disagree {
      @HandleEvent(Events.MwiUpdated, { durable: 'd', perDatabase: true }) async a() {}
      @HandleEvent(Events.MailboxCreated, { durable: 'd' }) async b() {}
    }
    expect(() => eventConsumersOf([new Disagree()], host)).toThrow(/disagree/);
  });
});

describe("the services' consumers", () => {
  it('are those libs/contracts/src/event-consumers.json lists (run npm run asyncapi after a change)', () => {
    const declared = consumersOf(
      APPS.filter((a) => a.kind === 'service').map((a) => ({
        name: a.name,
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        load: () => require(join(__dirname, '../../../apps', a.name, 'src', 'bootstrap')),
      })),
    );
    expect(declared).toEqual(EVENT_CONSUMERS);
    // the durable names JetStream and the inbox already know, unchanged by the decorators
    expect(declared.map((c) => c.durable).sort()).toEqual(
      [
        'dialer-limits',
        'mailbox-mwi',
        'mailbox-usage',
        'mailbox-usage-calls',
        'media-limits',
        'media-storage-message-events',
        'message-boxes',
        'message-service-mailbox-deleted',
        'notification-email',
        'notification-limits',
        'notification-webhooks',
        'transcription-intake',
      ].sort(),
    );
  });
});
