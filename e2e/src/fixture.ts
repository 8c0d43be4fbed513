// The set-up every e2e suite shares (README, "Adding a test"): a suite names the apps it runs and what it
// needs around them, one line each, instead of writing its own beforeAll/afterAll blocks:
//
//   const events = useEvents();              // an EventRecorder listening before the stack starts
//   const stack = useStack(['mailbox', 'message', 'media', 'gateway'], { env: { LOG_LEVEL: 'info' } });
//   const op = useOperator(stack);           // the operator's token and account
//   const a = useTenant(stack);              // a fresh tenant (account) with its admin token
//
// Each `use…` (at the top level of a suite file) registers its own beforeAll, run in the order written
// (write the recorder first when it must see the stack's start), and answers an object that is filled in
// place once it ran, so a suite declares them as constants and uses them inside its tests. After the
// suite they are undone in the reverse order (`afterSuite` adds a suite's own undoing to the same list).
// `startApps` is the same stack for a suite that starts one by itself (a second stack, a restart).
import { Writable } from 'node:stream';
import { Client } from 'pg';
import {
  AppName,
  EventRecorder,
  Stack,
  StackApps,
  startStack,
  Tenant,
  WebhookReceiver,
} from '@voxmail/testing';

/** Every app's starter, loaded when a stack starts it (a suite loads only the apps it runs). */
export const STARTERS: StackApps = {
  gateway: async (c, o) => (await import('../../apps/api-gateway/src/bootstrap')).startGateway(c, o),
  mailbox: async (c, o) =>
    (await import('../../apps/mailbox-service/src/bootstrap')).startMailboxService(c, o),
  media: async (c, o) =>
    (await import('../../apps/media-storage-service/src/bootstrap')).startMediaService(c, o),
  message: async (c, o) =>
    (await import('../../apps/message-service/src/bootstrap')).startMessageService(c, o),
  dialer: async (c, o) =>
    (await import('../../apps/broadcast-dialer-service/src/bootstrap')).startDialerService(c, o),
  notification: async (c, o) =>
    (await import('../../apps/notification-service/src/bootstrap')).startNotificationService(c, o),
  transcription: async (c, o) =>
    (await import('../../apps/transcription-service/src/bootstrap')).startTranscriptionService(c as never, o),
};

export interface StackOptions {
  /** Variables over the test environment the apps start with (a function: read right before the start). */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Starters in place of STARTERS' (an app started with test settings). */
  starters?: Partial<StackApps>;
  /** Runs right before the apps start (process.env values the apps read). */
  prepare?: () => void;
  /** How long the start may take (ms). */
  startMs?: number;
  /**
   * Durable consumers to wait for after the start: a service resumes those an earlier suite's instance
   * left and first works through that backlog (stack.waitForConsumersCaughtUp).
   */
  caughtUp?: (stack: Stack) => string[];
}

const undo: (() => unknown)[] = [];

/** Runs `fn` after the suite's tests, before what was set up earlier is undone (last in, first out). */
export function afterSuite(fn: () => unknown): void {
  if (undo.length === 0) {
    afterAll(async () => {
      let failure: unknown;
      while (undo.length) {
        try {
          await undo.pop()!();
        } catch (e) {
          failure ??= e;
        }
      }
      if (failure) throw failure;
    }, 60000);
  }
  undo.push(fn);
}

/** Starts `which` in that order (the services others call first, the gateway last). */
export function startApps(which: AppName[], o: StackOptions = {}): Promise<Stack> {
  o.prepare?.();
  return startStack({ ...STARTERS, ...o.starters }, which, envOf(o));
}

const envOf = (o: StackOptions) => (typeof o.env === 'function' ? o.env() : (o.env ?? {}));

/** The suite's stack of `which`: started before its tests, stopped after them. */
export function useStack(which: AppName[], o: StackOptions = {}): Stack {
  const env: Record<string, string> = {}; // the stack's own, filled right before the start
  const stack = new Stack({ ...STARTERS, ...o.starters }, env);
  beforeAll(
    async () => {
      o.prepare?.();
      Object.assign(env, envOf(o));
      await stack.start(which);
      if (o.caughtUp) await stack.waitForConsumersCaughtUp(o.caughtUp(stack), 240000);
    },
    o.startMs ?? (o.caughtUp ? 300000 : 90000),
  );
  afterSuite(() => stack.stop());
  return stack;
}

/** A plain NATS subscriber on the event subjects for the whole suite. */
export function useEvents(subject?: string): EventRecorder {
  const events = new EventRecorder();
  beforeAll(() => events.listen(subject));
  afterSuite(() => events.stop());
  return events;
}

/** A webhook receiver on loopback for the whole suite (the stack needs WEBHOOK_ALLOW_PRIVATE_TARGETS). */
export function useWebhookReceiver(): WebhookReceiver {
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.listen());
  afterSuite(() => receiver.stop());
  return receiver;
}

/** A fresh tenant (account under the operator's) with its admin API key and token. */
export function useTenant(stack: Stack): Tenant {
  const t = {} as Tenant;
  beforeAll(async () => void Object.assign(t, await stack.createTenant()));
  return t;
}

/** The operator's token and account id. */
export function useOperator(stack: Stack): { token: string; accountId: string } {
  const op = { token: '', accountId: '' };
  beforeAll(async () => void Object.assign(op, await stack.operatorLogin()));
  return op;
}

/** A PostgreSQL client on the stack's database (the test command's), for what a suite checks in tables. */
export function useDb(stack: Stack): Client {
  const db = new Client({ connectionString: stack.env.DATABASE_URL });
  beforeAll(() => db.connect());
  afterSuite(() => db.end());
  return db;
}

/**
 * The lines every app of the suite logs (write it before useStack, and start the stack with LOG_LEVEL
 * info when the suite reads info lines); the apps log to stdout again after the suite.
 */
export function useLogLines(): string[] {
  const lines: string[] = [];
  beforeAll(async () => {
    const { setLogDestination } = await import('@voxmail/messaging');
    setLogDestination(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
  });
  afterSuite(async () => (await import('@voxmail/messaging')).setLogDestination(undefined));
  return lines;
}
