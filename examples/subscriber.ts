// A subscriber of another team: a durable JetStream consumer on one tenant's message events. It resumes
// where it stopped after a restart (the durable keeps its place) and acks each event once handled.
// Run: TENANT_ID=<account id> NATS_URL=nats://127.0.0.1:4222 npm run example:subscriber
import { AckPolicy, connect } from 'nats';

async function main(): Promise<void> {
  const tenant = process.env.TENANT_ID ?? '';
  if (!/^[0-9a-f]{32}$/.test(tenant)) throw new Error('set TENANT_ID to the account id (32 hex characters)');
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const durable = process.env.DURABLE ?? `crm-${tenant}`;
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add('VOXMAIL_EVENTS', {
    durable_name: durable,
    filter_subject: `voxmail.evt.${tenant}.message.>`,
    ack_policy: AckPolicy.Explicit,
  });
  const events = await nc.jetstream().consumers.get('VOXMAIL_EVENTS', durable);
  process.on('SIGTERM', () => void nc.drain());
  for await (const m of await events.consume()) {
    const e = m.json<{ id: string; type: string; version: number; data: { vmbox_id?: string } }>();
    // handle the event here; this program prints one JSON line per event
    process.stdout.write(`${JSON.stringify({ id: e.id, type: e.type, vmbox_id: e.data.vmbox_id })}\n`);
    m.ack();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
