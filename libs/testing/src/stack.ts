// Starts Voxmail's apps in the test process against the real PostgreSQL, NATS and S3 the test command
// brought up, and gives tests a Kazoo client and a plain NATS event subscriber.
import { createHash, randomBytes } from 'node:crypto';
import { connect, NatsConnection, Subscription } from 'nats';
import {
  CommonConfig,
  DialerConfig,
  GatewayConfig,
  loadAppConfig,
  MailboxConfig,
  MediaConfig,
  MessageConfig,
  NotificationConfig,
} from '@voxmail/config';
import { APPS, EventEnvelope, STREAM_NAME } from '@voxmail/contracts';

export interface RunningApp {
  app: { get<T>(token: unknown): T; close(): Promise<void> };
  url: string;
  close(): Promise<void>;
}

type Starter<C> = (config: C, opts: { handleSignals?: boolean }) => Promise<RunningApp>;

/**
 * The starters a test passes (libs/testing may not import apps): the gateway's always, the services'
 * it runs. Keys are the registry's `key`s; a new app needs no line here unless its config type is its own.
 */
export type StackApps = { gateway: Starter<GatewayConfig> } & {
  dialer?: Starter<DialerConfig>;
  mailbox?: Starter<MailboxConfig>;
  media?: Starter<MediaConfig>;
  message?: Starter<MessageConfig>;
  notification?: Starter<NotificationConfig>;
} & { [key: string]: Starter<never> | undefined };

export type AppName = string;

/** Every app of the service registry, in its start order (the services others call come first). */
export const ALL_APPS = APPS.map((a) => a.key as AppName);

/** Test values used when the test command did not set them. */
export const TEST_SECRET = process.env.VOXMAIL_SECRET ?? 'test-secret-0123456789abcdef0123456789';
export const TEST_OPERATOR_KEY = process.env.VOXMAIL_OPERATOR_API_KEY ?? 'test-operator-key-0123456789abcdef';

export function testEnv(overrides: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    VOXMAIL_SECRET: TEST_SECRET,
    VOXMAIL_OPERATOR_API_KEY: TEST_OPERATOR_KEY,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    S3_BUCKET: process.env.S3_BUCKET ?? 'voxmail-test',
    ...overrides,
  };
}

export interface KazooResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export class Stack {
  readonly running = new Map<AppName, RunningApp>();
  baseUrl = '';

  constructor(
    private readonly apps: StackApps,
    private readonly envOverrides: Record<string, string> = {},
  ) {}

  /**
   * The environment the apps start with: the test values over the process environment as it is now, so a
   * test that changes a variable and restarts an app sees it applied.
   */
  get env(): Record<string, string | undefined> {
    return testEnv(this.envOverrides);
  }

  /** Starts `which` in that order; when one fails, stops those started and throws. */
  async start(which: AppName[] = ALL_APPS): Promise<this> {
    try {
      for (const name of which) await this.startApp(name);
    } catch (e) {
      await this.stop();
      throw e;
    }
    return this;
  }

  async startApp(name: AppName): Promise<RunningApp> {
    const env = this.env;
    const opts = { handleSignals: false };
    const entry = APPS.find((a) => a.key === name);
    if (!entry) throw new Error(`no app ${name} in libs/contracts/src/services.json`);
    const start = this.apps[name] as Starter<CommonConfig> | undefined;
    if (!start) throw new Error(`startStack was not given a starter for ${name}`);
    const r = await start(loadAppConfig(entry.name, env), opts);
    if (name === 'gateway') this.baseUrl = r.url;
    this.running.set(name, r);
    return r;
  }

  async stopApp(name: AppName): Promise<void> {
    const r = this.running.get(name);
    this.running.delete(name);
    await r?.close();
  }

  get(name: AppName): RunningApp {
    const r = this.running.get(name);
    if (!r) throw new Error(`${name} is not running`);
    return r;
  }

  async stop(): Promise<void> {
    // the reverse of the start order: the gateway first, so nothing new arrives while services drain, and
    // the services others call last
    for (const name of [...ALL_APPS].reverse()) {
      if (this.running.has(name)) await this.stopApp(name);
    }
  }

  /** A Kazoo request: JSON body wrapped as given; returns status, parsed body and headers. */
  async request<T = any>(
    method: string,
    path: string,
    o: {
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      raw?: Buffer | string | ReadableStream | Blob;
    } = {},
  ): Promise<KazooResponse<T>> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers['X-Auth-Token'] = o.token;
    let body: any = o.raw;
    if (o.body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  /**
   * Waits until the named durable consumers have nothing pending or unacknowledged. A service started in
   * the middle of a run resumes its durable consumers where an earlier suite's instance left them, so it
   * first works through every event published since then; a test counting deliveries waits for that.
   */
  async waitForConsumersCaughtUp(durables: string[], timeoutMs = 25000): Promise<void> {
    const nc = await connect({ servers: this.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const jsm = await nc.jetstreamManager();
      const end = Date.now() + timeoutMs;
      for (;;) {
        const infos = await Promise.all(durables.map((d) => jsm.consumers.info(STREAM_NAME, d)));
        if (infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0)) return;
        if (Date.now() > end)
          throw new Error(
            `consumers not caught up within ${timeoutMs} ms: ${infos
              .map((i) => `${i.name} pending ${i.num_pending}, unacked ${i.num_ack_pending}`)
              .join('; ')}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  }

  async operatorLogin(): Promise<{ token: string; accountId: string }> {
    const r = await this.request('PUT', '/v2/api_auth', { body: { data: { api_key: TEST_OPERATOR_KEY } } });
    if (r.status !== 201) throw new Error(`operator login failed: ${r.status} ${r.text}`);
    return { token: r.body.auth_token, accountId: r.body.data.account_id };
  }

  /** A fresh tenant (account) under the operator's, with its admin token; names are unique per call. */
  async createTenant(name = `tenant-${randomBytes(4).toString('hex')}`): Promise<Tenant> {
    const op = await this.operatorLogin();
    return this.createAccount(op.accountId, op.token, {}, name);
  }

  /**
   * An account created by `token` under `parentId` (a reseller's child, or the operator's tenant), with its
   * own admin API key and token; fails on any answer but success, naming it.
   */
  async createAccount(
    parentId: string,
    token: string,
    data: Record<string, unknown> = {},
    name = `acct-${randomBytes(4).toString('hex')}`,
  ): Promise<Tenant> {
    const created = await this.request('PUT', `/v2/accounts/${parentId}`, {
      token,
      body: { data: { name, ...data } },
    });
    if (created.status !== 201) throw new Error(`account creation failed: ${created.status} ${created.text}`);
    const accountId: string = created.body.data.id;
    const key = await this.request('GET', `/v2/accounts/${accountId}/api_key`, { token });
    if (key.status !== 200) throw new Error(`account api_key failed: ${key.status} ${key.text}`);
    const auth = await this.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: key.body.data.api_key } },
    });
    if (auth.status !== 201) throw new Error(`account login failed: ${auth.status} ${auth.text}`);
    return {
      accountId,
      name: created.body.data.name,
      apiKey: key.body.data.api_key,
      token: auth.body.auth_token,
    };
  }

  /** A user of `t` (created by its admin) with its own token from `user_auth`; fails on any other answer. */
  /** A user of the account, logged in; `credentials` (Kazoo's md5) logs it in again. */
  async createUser(t: Tenant): Promise<{ id: string; token: string; credentials: string }> {
    const username = `u-${randomBytes(4).toString('hex')}`;
    const password = 'pw-0123456789';
    const u = await this.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { username, password, first_name: 'U', last_name: 'Ser' } },
    });
    if (u.status !== 201) throw new Error(`user creation failed: ${u.status} ${u.text}`);
    const credentials = createHash('md5').update(`${username}:${password}`).digest('hex');
    const login = await this.request('PUT', '/v2/user_auth', {
      body: { data: { credentials, account_name: t.name } },
    });
    if (login.status !== 201) throw new Error(`user login failed: ${login.status} ${login.text}`);
    return { id: u.body.data.id, token: login.body.auth_token, credentials };
  }
}

export interface Tenant {
  accountId: string;
  name: string;
  apiKey: string;
  token: string;
}

export async function startStack(
  apps: StackApps,
  which: AppName[] = ALL_APPS,
  envOverrides: Record<string, string> = {},
): Promise<Stack> {
  return new Stack(apps, envOverrides).start(which);
}

/** A plain NATS subscriber on the event subjects, as another team's service would be. */
export class EventRecorder {
  readonly events: (EventEnvelope & { subject: string; headers: Record<string, string> })[] = [];
  private nc?: NatsConnection;
  private sub?: Subscription;

  /** A recorder listening on `subject` from now on. */
  static async start(
    subject = 'voxmail.evt.>',
    natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  ): Promise<EventRecorder> {
    return new EventRecorder().listen(subject, natsUrl);
  }

  async listen(
    subject = 'voxmail.evt.>',
    natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  ): Promise<this> {
    const nc = await connect({ servers: natsUrl });
    const sub = nc.subscribe(subject);
    this.nc = nc;
    this.sub = sub;
    void (async () => {
      for await (const m of sub) {
        const headers: Record<string, string> = {};
        for (const k of m.headers?.keys() ?? []) headers[k.toLowerCase()] = m.headers!.get(k);
        this.events.push({ ...(m.json() as EventEnvelope), subject: m.subject, headers });
      }
    })();
    await nc.flush();
    return this;
  }

  /** Waits until an event matching `pred` arrives (or fails after `timeoutMs`). */
  async waitFor(
    pred: (e: EventEnvelope & { subject: string }) => boolean,
    timeoutMs = 5000,
  ): Promise<EventEnvelope & { subject: string; headers: Record<string, string> }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > end) {
        throw new Error(
          `no matching event within ${timeoutMs} ms; saw: ${this.events.map((e) => e.type).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    await this.nc?.close();
  }
}
