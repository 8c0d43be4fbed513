// Command deadlines and idempotent creates, shared by every service.
//
// Deadlines: the sender puts the epoch-ms deadline of each command in a header; a service never starts a
// command whose deadline has passed, and a transaction run for a command checks the deadline before its
// COMMIT (a TypeORM subscriber), so a write nobody waits for any more rolls back instead of committing
// after its sender answered 503.
//
// Idempotency: the gateway puts a client's `Idempotency-Key` and a hash of the command on the request's
// create command. The owning service records (scope, key, hash) in its own schema in the SAME transaction
// as the create (the subscriber inserts it before COMMIT), then the reply beside it; a retry with the key
// gets the recorded reply, the key with another request is 422, and one still running is 409.
//
// A lost reply: the gateway keys EVERY create (its own fresh key when the client sent none) and, when no
// reply came by the deadline (a NATS node died with the reply after the commit), it asks the owner what
// became of the key once that attempt can no longer commit (a "resolve", same key and hash): the recorded
// reply when it committed; otherwise the key is marked abandoned up to the attempt's deadline (nothing
// committed, and no straggler of it ever will: its key insert is refused), so the gateway's 503 is true.
// A later attempt (the client's retry, with a later deadline) takes an abandoned key over.
import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource, EntitySubscriberInterface, EventSubscriber, TransactionCommitEvent } from 'typeorm';
import { Commands, DomainError, ErrorCode, Reply } from '@voxmail/contracts';
import { currentRequestContext } from './request-context';

export const DEADLINE_HEADER = 'voxmail-deadline';
export const IDEMPOTENCY_KEY_HEADER = 'voxmail-idempotency-key';
export const IDEMPOTENCY_HASH_HEADER = 'voxmail-request-hash';
/** On a create's first attempt under a key the gateway just made: there is nothing recorded to look up. */
export const IDEMPOTENCY_FRESH_HEADER = 'voxmail-idempotency-fresh';
/**
 * On a resolve: the latest deadline of the attempts sent under the key. The owner answers the recorded
 * reply, or abandons the key for attempts up to that deadline (`IdempotencyStore.abandon`).
 */
export const IDEMPOTENCY_RESOLVE_HEADER = 'voxmail-idempotency-resolve';

/** How long a recorded key answers retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/**
 * The time a sender still waits after a command's deadline, for a reply on its way (a fifth of the
 * timeout, at most 1 s): a service refuses to commit after `deadline - COMMIT_MARGIN_MS`, and its COMMIT
 * and reply fit in what is left.
 */
export const replyGraceMs = (timeoutMs: number) => Math.min(1000, Math.floor(timeoutMs / 5));
export const COMMIT_MARGIN_MS = 100;

/**
 * The creates a client may retry with an `Idempotency-Key`. ApiClientCreate and WebhookCreate are not
 * among them: their replies hold a secret (the client's, the webhook's signing secret) that is shown once
 * and never stored in clear, so no reply of theirs can be kept to answer a retry.
 */
export const IDEMPOTENT_SUBJECTS: ReadonlySet<string> = new Set(
  [
    Commands.AccountCreate,
    Commands.UserCreate,
    Commands.VmboxCreate,
    Commands.MessageCreate,
    Commands.VoicemailSlotCreate,
    Commands.BroadcastCreate,
    Commands.BroadcastAppPut,
    Commands.DncAdd,
    Commands.MediaDocumentCreate,
    Commands.BoxGreetingStore,
  ].map((c) => c.subject),
);

/** A client's key: 1 to 255 visible ASCII characters. */
export function isIdempotencyKey(v: unknown): v is string {
  return typeof v === 'string' && /^[\x21-\x7e]{1,255}$/.test(v);
}

/**
 * The gateway's own key for a create the client sent without one (`gw <uuid>`: the space keeps it apart
 * from every client key). It only has to outlive the resolve of a lost reply, so it is swept after
 * `GATEWAY_KEY_TTL_MS`, not kept a day.
 */
export const newGatewayKey = (): string => `gw ${randomUUID()}`;
export const GATEWAY_KEY_TTL_MS = 10 * 60 * 1000;
const GATEWAY_KEY = /^gw [0-9a-f-]{36}$/;

/** A key a command may carry: a client's, or the gateway's own. */
export const isCommandKey = (v: unknown): v is string =>
  isIdempotencyKey(v) || (typeof v === 'string' && GATEWAY_KEY.test(v));

/**
 * What counts as "the same request": the subject and the command's payload as the face built it from the
 * path and the body (key order aside), without the upload's id (a retried upload gets a new one); the
 * measured audio (`facts`: sha256, size, format, length) is part of it when the face measured it.
 */
export function requestHash(subject: string, payload: object): string {
  return createHash('sha256').update(subject).update('\n').update(canonicalJson(payload)).digest('base64url');
}

/** JSON with every object's keys sorted (and `uploadId` left out), so key order is not a difference. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => k !== 'uploadId' && o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export const deadlinePassed = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the service did not answer in time; retry later', {
    retry_after_s: 1,
  });

/** The deadline a header carries, when it is one. */
export function parseDeadline(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Whose key it is: the account the create is for (keys are kept per account). */
export function scopeOf(payload: unknown): string {
  const p = (payload ?? {}) as { tenantId?: unknown; actor?: { accountId?: unknown } };
  return String(p.tenantId ?? p.actor?.accountId ?? '');
}

export interface KeyRow {
  hash: string;
  /** The create's reply; null while it is being recorded (committed, not answered yet) or when abandoned. */
  reply: Reply<unknown> | null;
  /** Set when the sender gave up: attempts with a deadline up to this (epoch ms) may not commit. */
  abandonedUntil?: number;
}

/** How an abandoned key is kept in the `reply` column (so the table needs no other column). */
interface AbandonMark {
  abandonedUntil: number;
}

const rowOf = (r: { hash: string; reply: Reply<unknown> | AbandonMark | null }): KeyRow =>
  r.reply && 'abandonedUntil' in r.reply
    ? { hash: r.hash, reply: null, abandonedUntil: Number(r.reply.abandonedUntil) }
    : { hash: r.hash, reply: r.reply };

/** A resolve's answer when nothing committed under the key: the sender answers 503, and it is true. */
export const abandonedReply = (): Reply<never> => ({
  ok: false,
  error: {
    code: ErrorCode.ServiceUnavailable,
    message: 'the service did not answer in time and nothing was stored; retry later',
    details: { retry_after_s: 1, outcome: 'abandoned' },
  },
});

export const isAbandonedReply = (r: unknown): boolean =>
  !!r &&
  typeof r === 'object' &&
  (r as Reply<unknown>).ok === false &&
  (r as { error?: { details?: { outcome?: unknown } } }).error?.details?.outcome === 'abandoned';

/** The `idempotency_keys` table of one service's schema. */
export class IdempotencyStore {
  private readonly log = new Logger('Idempotency');
  private lastSweep = 0;

  constructor(
    private readonly ds: DataSource,
    readonly schema: string,
  ) {}

  async find(scope: string, key: string): Promise<KeyRow | undefined> {
    const rows = await this.ds.query(
      `SELECT hash, reply FROM "${this.schema}".idempotency_keys
        WHERE scope = $1 AND key = $2 AND created_at > now() - ($3 || ' milliseconds')::interval`,
      [scope, key, String(IDEMPOTENCY_TTL_MS)],
    );
    return rows[0] && rowOf(rows[0]);
  }

  /**
   * A resolve: marks the key abandoned for attempts with a deadline up to `until` unless a create
   * committed under it. 'abandoned' when it did (or the key already was, that far); otherwise the row
   * found: committed (its reply, or null while being recorded), or another request's (its hash).
   * Undefined only when the row expired between the two statements (ask again).
   */
  async abandon(
    claim: { scope: string; key: string; hash: string; subject: string },
    until: number,
  ): Promise<'abandoned' | KeyRow | undefined> {
    const mark: AbandonMark = { abandonedUntil: until };
    const claimed = await claimKey((sql, p) => this.ds.query(sql, p), this.schema, claim, mark, until);
    if (claimed) return 'abandoned';
    const found = await this.find(claim.scope, claim.key);
    if (found?.abandonedUntil !== undefined && found.hash === claim.hash && found.abandonedUntil >= until)
      return 'abandoned';
    return found;
  }

  async recordReply(scope: string, key: string, reply: Reply<unknown>): Promise<void> {
    await this.ds.query(
      `UPDATE "${this.schema}".idempotency_keys SET reply = $3 WHERE scope = $1 AND key = $2`,
      [scope, key, JSON.stringify(reply)],
    );
  }

  /** Deletes expired keys (the gateway's own sooner), at most once a minute per process. */
  sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60000) return;
    this.lastSweep = now;
    this.ds
      .query(
        `DELETE FROM "${this.schema}".idempotency_keys
          WHERE created_at <= now() - ($1 || ' milliseconds')::interval
             OR (key LIKE 'gw %' AND created_at <= now() - ($2 || ' milliseconds')::interval)`,
        [String(IDEMPOTENCY_TTL_MS), String(GATEWAY_KEY_TTL_MS)],
      )
      .catch((e: Error) => this.log.warn(`sweep of expired idempotency keys failed: ${e.message}`));
  }
}

/**
 * Runs before every COMMIT of a service's data source. Inside a command (its context), it refuses to
 * commit once the command's deadline has passed (the transaction rolls back and the command answers 503),
 * and with the first commit of a create sent with an idempotency key it inserts the key, so the create and
 * its key commit together; a key that another request committed meanwhile, or that was abandoned for
 * this attempt (its sender answered 503), rolls this one back.
 */
@EventSubscriber()
export class CommandCommitGuard implements EntitySubscriberInterface {
  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const ctx = currentRequestContext();
    // only the outermost COMMIT (a savepoint's release commits nothing yet)
    const depth = (event.queryRunner as unknown as { transactionDepth?: number }).transactionDepth;
    if (!ctx || (depth !== undefined && depth !== 1)) return;
    if (ctx.deadline !== undefined && Date.now() > ctx.deadline - COMMIT_MARGIN_MS) throw deadlinePassed();
    const claim = ctx.idempotency;
    if (!claim || claim.recorded || claim.resolveUntil !== undefined) return;
    const schema = String((event.connection.options as { schema?: string }).schema ?? 'public');
    // an expired key is taken over, and so is one abandoned for attempts older than this one (the
    // client's retry after a 503); a straggler of an abandoned attempt is refused here and rolls back
    const claimed = await claimKey(
      (sql, p) => event.queryRunner.query(sql, p),
      schema,
      claim,
      null,
      ctx.deadline ?? Number.MAX_SAFE_INTEGER,
    );
    if (!claimed) throw inProgress();
    claim.recorded = true;
  }
}

/**
 * Writes a key's row: `reply` null for a create's commit, the mark for an abandonment. A live row keeps the
 * key (false); an expired one is taken over, and so is one abandoned, for the same request, for attempts
 * with deadlines before `deadline` (the client's retry after a 503, or a later resolve).
 */
async function claimKey(
  query: (sql: string, params: unknown[]) => Promise<unknown[]>,
  schema: string,
  claim: { scope: string; key: string; hash: string; subject: string },
  reply: AbandonMark | null,
  deadline: number,
): Promise<boolean> {
  const rows = await query(
    `INSERT INTO "${schema}".idempotency_keys AS k (scope, key, hash, subject, reply) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (scope, key) DO UPDATE
        SET hash = EXCLUDED.hash, subject = EXCLUDED.subject, reply = EXCLUDED.reply, created_at = now()
      WHERE k.created_at <= now() - ($6 || ' milliseconds')::interval
         OR (k.hash = EXCLUDED.hash AND (k.reply->>'abandonedUntil')::bigint < $7::bigint)
     RETURNING 1`,
    [
      claim.scope,
      claim.key,
      claim.hash,
      claim.subject,
      reply && JSON.stringify(reply),
      String(IDEMPOTENCY_TTL_MS),
      String(deadline),
    ],
  );
  return rows.length > 0;
}

export const inProgress = () =>
  new DomainError(ErrorCode.Conflict, 'a request with this Idempotency-Key is in progress; retry later', {
    retry_after_s: 1,
  });

export const keyReused = () =>
  new DomainError(
    ErrorCode.Unprocessable,
    'this Idempotency-Key was used with another request; use a new key for a new request',
  );
