// Token revocations, in one place: recorded in the transaction of the change that causes them, announced
// with an `auth.tokens_revoked` event, then pushed to the JetStream KV bucket every gateway replica
// watches, so a revoked token stops everywhere within milliseconds, and for good.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KV, NatsConnection } from 'nats';
import { Client } from 'pg';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  Events,
  newEvent,
  REVOCATIONS_BUCKET,
  REVOCATIONS_HEARTBEAT_INTERVAL_MS,
  REVOCATIONS_HEARTBEAT_KEY,
  Revocation,
  RevocationKeys,
  Role,
} from '@voxmail/contracts';
import { appendEvents, ensureStreamReplicas, NATS_CONNECTION } from '@voxmail/messaging';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import { RevocationsRepository } from './revocations.repository';

/**
 * Whose tokens a revocation voids: every token of an account, only those its API key issued, or the
 * tokens of one user or API client, or one token (by its `jti`).
 */
export type RevocationScope = 'account' | 'api_key' | 'user' | 'api_client' | 'token';

export type RevocationReason =
  | 'account_disabled'
  | 'account_deleted'
  | 'api_key_rotated'
  | 'user_disabled'
  | 'user_deleted'
  | 'api_client_deleted'
  | 'api_client_logout'
  | 'token_logout';

const KEY_OF: Record<RevocationScope, (subjectId: string) => string> = {
  account: RevocationKeys.account,
  api_key: RevocationKeys.apiKey,
  user: RevocationKeys.user,
  api_client: RevocationKeys.client,
  token: RevocationKeys.token,
};

/** PostgreSQL delivers a NOTIFY only when its transaction commits: the after-commit hook we need. */
const CHANNEL = 'voxmail_revocations';
/** A revocation older than every token it could refuse is dropped (tokens live AUTH_TOKEN_TTL_SECONDS). */
const PRUNE_EVERY_MS = 60_000;
const LISTEN_RETRY_FIRST_MS = 500;
const LISTEN_RETRY_MAX_MS = 30_000;

const valueOf = (r: Revocation) =>
  JSON.stringify(r.role ? { before: r.before, role: r.role } : { before: r.before });

@Injectable()
export class Revocations implements OnApplicationBootstrap, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly log = new Logger(Revocations.name);
  /** Keys revoked in a transaction still open, published by the replica that commits it. */
  private readonly pending = new WeakMap<QueryRunner, Set<string>>();
  private kv?: KV;
  private listener?: Client;
  /**
   * True while every committed revocation is known to be in the bucket: the listener is connected and the
   * full sync after its (re)connection succeeded. Heartbeats, which tell gateways their view is current,
   * are written only then; a gap makes gateways stop trusting their view until this replica catches up.
   */
  private inSync = false;
  private timer?: NodeJS.Timeout;
  private lastPrune = 0;
  private stopped = false;
  private reconnecting?: Promise<void>;
  /** The listener is made again after a loss no sooner than this; the delay doubles up to 30 s. */
  private nextListenAt = 0;
  private listenDelayMs = LISTEN_RETRY_FIRST_MS;

  constructor(
    @InjectDataSource() ds: DataSource,
    private readonly rows: RevocationsRepository,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
  ) {
    // a TypeORM subscriber sees every commit, and the commit awaits it: the revocation is in the bucket
    // before the change is answered, so the client's next request, on any replica, sees it
    ds.subscribers.push(this);
  }

  /**
   * Records, inside the caller's transaction, that tokens of `key` issued until now are refused (or, with
   * `role`, carry that role). Published once the transaction commits; a rollback publishes nothing.
   */
  async revoke(m: EntityManager, key: string, role?: Role): Promise<number> {
    const before = Date.now();
    await this.rows.record(m, key, before, role ?? null);
    // every replica's listener also publishes it, in case this one dies between commit and publish
    await this.rows.notify(m, CHANNEL, key);
    const qr = m.queryRunner;
    if (qr) {
      const keys = this.pending.get(qr) ?? new Set<string>();
      keys.add(key);
      this.pending.set(qr, keys);
    }
    return before;
  }

  /**
   * Voids, for good, every token of the subject issued until now (re-enabling an account or user later
   * does not bring them back), inside the caller's transaction, and says so with `auth.tokens_revoked`.
   */
  async revokeTokens(
    m: EntityManager,
    scope: RevocationScope,
    accountId: string,
    subjectId: string,
    reason: RevocationReason,
  ): Promise<number> {
    const before = await this.revoke(m, KEY_OF[scope](subjectId));
    await appendEvents(m, MAILBOX_SCHEMA, [
      newEvent(Events.TokensRevoked, {
        tenantId: accountId,
        aggregateId: subjectId,
        data: {
          id: subjectId,
          scope,
          account_id: accountId,
          revoked_before: new Date(before).toISOString(),
          reason,
        },
      }),
    ]);
    return before;
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const keys = this.pending.get(event.queryRunner);
    if (!keys || event.queryRunner.isTransactionActive) return; // a savepoint, not the commit
    this.pending.delete(event.queryRunner);
    // never throws: the change is committed; a failure only stops heartbeats until a full sync
    for (const key of keys) await this.publishKey(key);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    const replicas = this.config.natsStreamReplicas;
    this.kv = await this.nc.jetstream().views.kv(REVOCATIONS_BUCKET, { history: 1, replicas });
    // a bucket made earlier with another replica count gets this one
    await ensureStreamReplicas(await this.nc.jetstreamManager(), `KV_${REVOCATIONS_BUCKET}`, replicas);
    await this.connectListener();
    this.timer = setInterval(() => void this.tick(), REVOCATIONS_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    await this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
  }

  private async connectListener(): Promise<void> {
    this.inSync = false;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      connectionTimeoutMillis: this.config.databaseConnectTimeoutMs,
    });
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) void this.publishKey(n.payload);
    });
    client.on('error', (e) => {
      this.log.warn(`revocation listener lost: ${e.message}`);
      this.inSync = false;
      void client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => undefined);
      this.nextListenAt = Date.now() + this.listenDelayMs;
      this.listenDelayMs = Math.min(LISTEN_RETRY_MAX_MS, this.listenDelayMs * 2);
      throw e;
    }
    this.listenDelayMs = LISTEN_RETRY_FIRST_MS;
    this.listener = client;
    // everything committed before LISTEN took effect is published by the full sync that follows
    await this.fullSync();
  }

  /** Once a second: heartbeat when in sync, otherwise repair (reconnect the listener, resync). */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.listener) {
        if (Date.now() < this.nextListenAt) return;
        this.reconnecting ??= this.connectListener().finally(() => (this.reconnecting = undefined));
        await this.reconnecting;
      } else if (!this.inSync) {
        await this.fullSync();
      }
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
      if (this.inSync) await this.kv!.put(REVOCATIONS_HEARTBEAT_KEY, String(Date.now()));
    } catch (e) {
      this.inSync = false;
      this.log.warn(`revocations not in sync: ${(e as Error).message}`);
    }
  }

  private async fullSync(): Promise<void> {
    for (const r of await this.rows.all())
      await this.kv!.put(r.key, valueOf({ before: Number(r.before_ms), role: r.role ?? undefined }));
    this.inSync = true;
  }

  private async publishKey(key: string): Promise<void> {
    if (!this.kv || this.stopped) return; // not running: the full sync at (re)start publishes it
    try {
      const r = await this.rows.one(key);
      if (r) await this.kv!.put(r.key, valueOf({ before: Number(r.before_ms), role: r.role ?? undefined }));
    } catch (e) {
      // heartbeats stop until a full sync has put it there: gateways fall back to asking this service
      this.inSync = false;
      this.log.warn(`could not publish revocation ${key}: ${(e as Error).message}`);
    }
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const horizon = Date.now() - (this.config.tokenTtlSeconds + 60) * 1000;
    for (const key of await this.rows.pruneBefore(horizon)) await this.kv!.delete(key);
  }
}
