// Carries the request id (and a command's deadline and idempotency key) through async work, so logs,
// events and the commands one request sends share them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext {
  requestId: string;
  /**
   * Epoch milliseconds after which nobody waits for the answer of the command being handled: commands it
   * sends carry no later deadline, and a transaction that has not committed by then rolls back.
   */
  deadline?: number;
  /**
   * Gateway side: the client's `Idempotency-Key` for this request; the command client puts it on the
   * request's create command (`IDEMPOTENT_SUBJECTS`).
   */
  idempotencyKey?: string;
  /** Service side: the idempotency claim of the create command being handled (`idempotency.ts`). */
  idempotency?: {
    scope: string;
    key: string;
    hash: string;
    subject: string;
    recorded: boolean;
    /** The key was made for this attempt by the gateway: nothing can be recorded under it yet. */
    fresh?: boolean;
    /** A resolve (no create runs): the latest deadline of the attempts that may have run. */
    resolveUntil?: number;
  };
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` in `ctx`, keeping what an enclosing context set and `ctx` does not (a deadline, a key). */
export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...ctx } : ctx, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Accepts a caller's request id only when it is short and plain; otherwise makes a new one. */
export function sanitizeRequestId(v: unknown): string {
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : randomUUID().replace(/-/g, '');
}
