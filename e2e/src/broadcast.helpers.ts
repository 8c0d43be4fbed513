// Helpers of the broadcast suites: the stack with the dialer, an account ready to broadcast (Onbuka key
// pair, app, prompt), a prompt uploaded through the Kazoo media API as a client would (a sendGroup
// `fileId` names a prompt by its media id or its name), and Onbuka's signed sendGroup request.
import { createHash } from 'node:crypto';
import { Stack, Tenant, wavFile } from '@voxmail/testing';
import { startDialerService } from '../../apps/broadcast-dialer-service/src/bootstrap';
import { StackOptions, useStack } from './fixture';

/** The dialer's test settings (its bootstrap's `settings` option). */
type DialerSettings = NonNullable<NonNullable<Parameters<typeof startDialerService>[1]>['settings']>;

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The apps a broadcast needs, in start order. */
export const DIALER_APPS = ['mailbox', 'media', 'dialer', 'gateway'];

/** A dialer starter with test settings over the configuration's (a clock, a replica id, timings). */
export const dialerWith =
  (settings: DialerSettings) =>
  (config: Parameters<typeof startDialerService>[0], o?: { handleSignals?: boolean }) =>
    startDialerService(config, { ...o, settings });

/** The suite's stack of DIALER_APPS, its dialer started with `settings` (e2e/src/fixture.ts's useStack). */
export function useDialerStack(settings: DialerSettings, o: StackOptions = {}): Stack {
  return useStack(DIALER_APPS, { ...o, starters: { dialer: dialerWith(settings) } });
}

/** Polls `f` until `ok` holds or `ms` pass; answers the last value either way (the caller asserts). */
export async function waitFor<T>(
  f: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function uploadPrompt(
  stack: Stack,
  t: Tenant,
  name: string,
  seconds = 1,
  sampleRate = 8000,
): Promise<string> {
  const doc = await stack.request('PUT', `/v2/accounts/${t.accountId}/media`, {
    token: t.token,
    body: { data: { name, kind: 'prompt' } },
  });
  if (doc.status !== 201) throw new Error(`prompt document: ${doc.status} ${doc.text}`);
  const id = doc.body.data.id as string;
  // a 503 with a retry hint (the object store busy on a loaded machine) is retried, as a client would
  for (let attempt = 1; ; attempt++) {
    const raw = await stack.request('PUT', `/v2/accounts/${t.accountId}/media/${id}/raw`, {
      token: t.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(seconds, sampleRate),
    });
    if (raw.status === 200 || raw.status === 201) break;
    if (raw.status !== 503 || attempt >= 5) throw new Error(`prompt audio: ${raw.status} ${raw.text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return id;
}

/** An Onbuka key pair that the operator imports for `t`: `key` when given, a fresh one otherwise. */
export async function importOnbukaKey(
  stack: Stack,
  op: { token: string },
  t: Tenant,
  key = `k${Math.random().toString(36).slice(2, 10)}`,
): Promise<{ key: string; secret: string }> {
  const secret = `s${Math.random().toString(36).slice(2, 12)}`;
  const imported = await stack.request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
    token: op.token,
    body: { data: { api_key: key, api_secret: secret } },
  });
  if (imported.status !== 201) throw new Error(`onbuka key import: ${imported.status} ${imported.text}`);
  return { key, secret };
}

export interface OnbukaWorld {
  t: Tenant;
  key: string;
  secret: string;
  promptId: string;
}

/**
 * A fresh tenant with a prompt named `prompt.mp3`, an imported Onbuka key pair (`key` when given) and a
 * broadcast app `app1` on the simulated carrier with 5 ms calls and no rate, unless `app` says otherwise.
 */
export async function onbukaWorld(
  stack: Stack,
  op: { token: string },
  app: Record<string, unknown> = {},
  key?: string,
): Promise<OnbukaWorld> {
  const t = await stack.createTenant();
  const promptId = await uploadPrompt(stack, t, 'prompt.mp3');
  const pair = await importOnbukaKey(stack, op, t, key);
  const a = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
    token: t.token,
    body: {
      data: {
        id: 'app1',
        carrier: 'simulated',
        calls_per_second: 0,
        settings: { ring_ms: 5, talk_ms: 5 },
        ...app,
      },
    },
  });
  if (a.status !== 201) throw new Error(`broadcast app: ${a.status} ${a.text}`);
  return { t, ...pair, promptId };
}

/**
 * POST /v3/voice/sendGroup as an Onbuka client sends it: Api-Key, Timestamp `ts` and Sign
 * md5(key + secret + ts), or the `sign` given; a string body as it is, anything else as JSON.
 */
export function postSendGroup(
  stack: Stack,
  k: { key: string; secret: string },
  ts: string,
  body: unknown,
  sign = md5(k.key + k.secret + ts),
): Promise<Response> {
  return fetch(`${stack.baseUrl}/v3/voice/sendGroup`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json;charset=UTF-8',
      'Api-Key': k.key,
      Timestamp: ts,
      Sign: sign,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
