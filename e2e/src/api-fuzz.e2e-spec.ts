// The fuzzer driven by the OpenAPI documents (issue 22), against the real stack over HTTP: for every
// operation of every face, fast-check cases turned into requests by the operation's own schemas
// (e2e/src/api-fuzz.helpers.ts), valid ones and ones breaking one rule of the document at a time (types,
// missing required and extra fields, bounds, formats and patterns, content type, query and path
// parameters), with real credentials of each face and real ids in the path. Every answer: no 5xx, a status
// the operation documents, a JSON body matching its documented schema, and a refusal in the face's shape
// for a broken request. A failure prints its seed and the shrunk case (fast-check).
// Bounded in `npm test` (API_FUZZ_RUNS cases per operation and kind, default 3); `npm run test:api-fuzz`
// runs more (API_FUZZ_RUNS, API_FUZZ_SEED, API_FUZZ_SECONDS for the whole run).
import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import { Tenant } from '@voxmail/testing';
import { useOperator, useStack } from './fixture';
import {
  answerProblems,
  caseArb,
  Credentials,
  documentedOperations,
  mutationsOf,
  Operation,
  requestOf,
  send,
} from './api-fuzz.helpers';
import { createBox, wavFile } from './messages.helpers';
import { uploadPrompt } from './broadcast.helpers';

const RUNS = Number(process.env.API_FUZZ_RUNS ?? 3);
const SEED = Number(process.env.API_FUZZ_SEED ?? 20261208);
const SECONDS = Number(process.env.API_FUZZ_SECONDS ?? 0);

const stack = useStack(['mailbox', 'message', 'media', 'dialer', 'notification', 'gateway'], {
  env: {
    // thousands of requests of one account and failed logins by design: neither limit is under test
    RATE_LIMIT_ACCOUNT_RPS: '0',
    RATE_LIMIT_CREDENTIAL_RPS: '0',
    AUTH_FAILURE_LIMIT: '100000',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback',
  },
});
const op = useOperator(stack);

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The tenant every case acts in, with one resource of each kind and each face's credentials. */
interface World {
  t: Tenant;
  userId: string;
  flexUserId: string;
  boxId: string;
  messageId: string;
  mediaId: string;
  clientId: string;
  webhookId: string;
  broadcastId: string;
  voiceId: string;
  slotUuid: string;
  yeastar: { id: string; secret: string; token: string };
  onbuka: { key: string; secret: string };
  flexisipKey: string;
}

async function ok<T = any>(what: string, p: Promise<{ status: number; body: T; text: string }>): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  return r.body;
}

const acct = (w: { t: Tenant }) => `/v2/accounts/${w.t.accountId}`;
const put = (w: { t: Tenant }, path: string, data: unknown) =>
  stack.request('PUT', `${acct(w)}${path}`, { token: w.t.token, body: { data } });

async function newUser(w: { t: Tenant }): Promise<string> {
  return (await ok('user', put(w, '/users', { first_name: 'Fuzz', last_name: 'User' }))).data.id;
}
async function newMessage(w: { t: Tenant }, box: string): Promise<string> {
  return (await ok('message', put(w, `/vmboxes/${box}/messages`, { caller_id_number: '1' }))).data.media_id;
}
async function newMedia(w: { t: Tenant }): Promise<string> {
  return (await ok('media', put(w, '/media', { name: `fuzz ${Math.random()}` }))).data.id;
}
async function newClient(w: { t: Tenant }, data: object = {}) {
  return (await ok('api client', put(w, '/api_clients', { name: 'fuzz', priv_level: 'admin', ...data })))
    .data;
}
async function newWebhook(w: { t: Tenant }): Promise<string> {
  const hook = { name: 'fuzz', uri: 'http://127.0.0.1:9/fuzz', hook: 'mwi.updated', enabled: false };
  return (await ok('webhook', put(w, '/webhooks', hook))).data.id;
}
async function newSlot(w: World): Promise<string> {
  const r = await fetch(`${stack.baseUrl}/api/accounts/${w.flexUserId}/voicemails`, {
    method: 'POST',
    headers: { 'x-api-key': w.flexisipKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ content_type: 'audio/wav' }),
  });
  if (r.status !== 201) throw new Error(`flexisip slot: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}
async function yeastarToken(id: string, secret: string): Promise<string> {
  const r = await fetch(`${stack.baseUrl}/openapi/v1.0/get_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: id, password: secret }),
  });
  const body = (await r.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`yeastar token: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function buildWorld(): Promise<World> {
  const t = await stack.createTenant();
  const w = { t } as World;
  await uploadPrompt(stack, t, 'prompt.mp3');
  w.userId = await newUser(w);
  w.flexUserId = await newUser(w);
  w.boxId = await createBox(stack, t);
  await createBox(stack, t, { mailbox: '6300', type: 'group' });
  await createBox(stack, t, { mailbox: '3200', owner_id: w.flexUserId });
  w.messageId = await newMessage(w, w.boxId);
  await stack.request('PUT', `${acct(w)}/vmboxes/${w.boxId}/messages/${w.messageId}/raw`, {
    token: t.token,
    headers: { 'Content-Type': 'audio/wav' },
    raw: wavFile(1),
  });
  w.mediaId = await newMedia(w);
  const c = await newClient(w);
  w.clientId = c.id;
  w.flexisipKey = c.client_secret;
  w.yeastar = { id: c.id, secret: c.client_secret, token: await yeastarToken(c.id, c.client_secret) };
  const o = await newClient(w, { onbuka: true });
  w.onbuka = { key: o.client_id ?? o.id, secret: o.client_secret };
  w.webhookId = await newWebhook(w);
  await ok(
    'broadcast app',
    put(w, '/broadcast_apps', {
      id: 'app1',
      carrier: 'simulated',
      calls_per_second: 0,
      settings: { ring_ms: 5, talk_ms: 5 },
    }),
  );
  const b = await ok(
    'broadcast',
    put(w, '/broadcasts', { callees: ['932111111111'], app_id: 'app1', file_id: 'prompt.mp3' }),
  );
  w.broadcastId = b.data.id;
  w.voiceId = b.data.calls[0].voice_id;
  w.slotUuid = await newSlot(w);
  return w;
}

/** Calls that destroy what they name get a fresh one per case; the account's own changes a fresh tenant. */
const destroys = (o: Operation) => o.method === 'DELETE';
const accountItself = (o: Operation) => o.path === '/v2/accounts/{accountId}' && o.method !== 'GET';
/** Calls that empty a whole collection of the world or revoke its tokens: run last. */
const wipes = (o: Operation) =>
  (o.method === 'DELETE' && /\/(vmboxes|webhooks|messages|dnc_numbers)$/.test(o.path)) ||
  (['POST', 'PATCH'].includes(o.method) && /\/accounts\/\{accountId\}\/(vmboxes|webhooks)$/.test(o.path)) ||
  o.path.endsWith('/del_token') ||
  // a new API key revokes the tokens of the old one
  (o.method === 'PUT' && o.path.endsWith('/api_key'));

function credentials(w: World): Credentials {
  let tenant: Tenant = w.t;
  return {
    async pathValue(o, name) {
      const fresh = destroys(o) && !wipes(o);
      switch (name) {
        case 'accountId':
          if (o.face === 'flexisip') return w.flexUserId;
          tenant = accountItself(o) ? await stack.createTenant() : w.t;
          return tenant.accountId;
        case 'vmboxId':
          return fresh && o.path.endsWith('{vmboxId}') ? createBox(stack, w.t) : w.boxId;
        case 'messageId':
          return fresh ? newMessage(w, w.boxId) : w.messageId;
        case 'mediaId':
          return fresh ? newMedia(w) : w.mediaId;
        case 'userId':
          return fresh ? newUser(w) : w.userId;
        case 'clientId':
          return fresh ? (await newClient(w)).id : w.clientId;
        case 'webhookId':
          return fresh ? newWebhook(w) : w.webhookId;
        case 'appId':
          if (!fresh) return 'app1';
          await ok('app', put(w, '/broadcast_apps', { id: 'gone', carrier: 'simulated' }));
          return 'gone';
        case 'id':
          return o.path.includes('/notifications/') ? 'voicemail_to_email' : w.broadcastId;
        case 'type':
          return 'unavailable';
        case 'voiceId':
          return w.voiceId;
        case 'uuid':
        case 'slotId':
          return fresh ? newSlot(w) : w.slotUuid;
        case 'tenantId':
          return w.t.accountId;
        case 'file':
          return o.face === 'ops' ? 'kazoo.json' : 'VoicemailGreeting-fuzz.wav';
        case 'asset':
          return 'swagger-ui.css';
        default:
          throw new Error(`no value for path parameter ${name} of ${o.id}`);
      }
    },
    async auth(o): Promise<{ headers: Record<string, string>; query: Record<string, string> }> {
      switch (o.face) {
        case 'kazoo': {
          // the account deleted is another's (a fresh tenant): its parent, the operator, deletes it
          const token = accountItself(o) && o.method === 'DELETE' ? op.token : tenant.token;
          return { headers: { 'X-Auth-Token': token }, query: {} };
        }
        case 'yeastar': {
          const token = o.path.endsWith('/del_token')
            ? await yeastarToken(w.yeastar.id, w.yeastar.secret)
            : w.yeastar.token;
          return { headers: {}, query: { access_token: token } };
        }
        case 'onbuka': {
          const ts = String(Math.floor(Date.now() / 1000));
          return {
            headers: {
              'Api-Key': w.onbuka.key,
              Timestamp: ts,
              Sign: md5(w.onbuka.key + w.onbuka.secret + ts),
            },
            query: {},
          };
        }
        case 'flexisip':
          return { headers: { 'x-api-key': w.flexisipKey }, query: {} };
        default:
          return { headers: {}, query: {} };
      }
    },
  };
}

const operations = documentedOperations().sort((a, b) => Number(wipes(a)) - Number(wipes(b)));
const counts = { operations: operations.length, valid: 0, broken: 0, refused: 0 };
let world: World;
let started = 0;

beforeAll(async () => {
  world = await buildWorld();
  started = Date.now();
  process.stdout.write(
    `api-fuzz: ${operations.length} operations, ${RUNS} cases per operation and kind, seed ${SEED}` +
      `${SECONDS ? `, at most ${SECONDS} s` : ''}\n`,
  );
}, 120000);

afterAll(() => {
  process.stdout.write(
    `api-fuzz: ${counts.operations} operations, ${counts.valid + counts.broken} cases ` +
      `(${counts.valid} valid, ${counts.broken} broken, ${counts.refused} of these refused)\n`,
  );
});

describe('every documented operation', () => {
  // the time left is shared by the operations still to run
  const budget = (i: number) =>
    SECONDS ? Math.max(1000, (SECONDS * 1000 - (Date.now() - started)) / (operations.length - i)) : undefined;

  for (const [i, o] of operations.entries()) {
    const kinds = [undefined, mutationsOf(o)] as const;
    it(
      o.id,
      async () => {
        const w = credentials(world);
        for (const mutations of kinds) {
          if (mutations && !mutations.length) continue;
          const limit = budget(i);
          await fc.assert(
            fc.asyncProperty(caseArb(mutations), async (c) => {
              const req = await requestOf(o, c, w);
              if (process.env.API_FUZZ_VERBOSE) process.stderr.write(`${req.method} ${req.url}\n`);
              const res = await send(stack.baseUrl, req);
              if (req.broken) counts.broken++;
              else counts.valid++;
              const problems = answerProblems(o, req, res);
              if (req.broken && !problems.some((p) => p.startsWith('a broken'))) counts.refused++;
              if (problems.length)
                throw new Error(
                  `${req.method} ${req.url}\n${req.body ?? ''}\n-> ${res.status} ${res.text.slice(0, 400)}\n${problems.join('\n')}`,
                );
            }),
            {
              numRuns: RUNS,
              seed: SEED + i * 2 + (mutations ? 1 : 0),
              ...(limit ? { interruptAfterTimeLimit: limit / 2, markInterruptAsFailure: false } : {}),
            },
          );
        }
      },
      Math.max(60000, RUNS * 4000),
    );
  }

  it('leaves the gateway serving', async () => {
    expect((await stack.request('GET', '/health/ready')).status).toBe(200);
  });
});
