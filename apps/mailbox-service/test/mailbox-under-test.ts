// The set-up of mailbox-service's medium tests: the service on the test database and NATS, a command
// client calling it as other services do, a database client, the operator, and fresh accounts.
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { Client } from 'pg';
import { loadMailboxConfig } from '@voxmail/config';
import { Actor, DocReply, Subjects } from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import { testEnv } from '@voxmail/testing';
import { startMailboxService } from '../src/bootstrap';

export interface MailboxUnderTest {
  service: Awaited<ReturnType<typeof startMailboxService>>;
  bus: CommandClient;
  db: Client;
  operator: Actor;
  /** A fresh account under the operator's (its name `prefix-…`), with its admin actor. */
  tenant(prefix: string, doc?: Record<string, unknown>): Promise<{ id: string; admin: Actor }>;
  close(): Promise<void>;
}

/** Starts mailbox-service with the test environment as it is now (set variables before). */
export async function startMailboxUnderTest(): Promise<MailboxUnderTest> {
  const env = testEnv();
  const service = await startMailboxService(loadMailboxConfig(env), { handleSignals: false });
  const nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const bus = new CommandClient(nc, 5000);
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const { rows } = await db.query('SELECT id FROM mailbox.accounts WHERE is_operator');
  const operator: Actor = { accountId: rows[0].id.trim(), role: 'operator' };
  return {
    service,
    bus,
    db,
    operator,
    async tenant(prefix, doc = {}) {
      const r = await bus.execute<DocReply>(Subjects.Account.Create, {
        tenantId: operator.accountId,
        actor: operator,
        doc: { name: `${prefix}-${randomBytes(4).toString('hex')}`, ...doc },
      });
      return { id: r.doc.id, admin: { accountId: r.doc.id, role: 'admin' } };
    },
    async close() {
      await nc.close();
      await db.end();
      await service.close();
    },
  };
}
