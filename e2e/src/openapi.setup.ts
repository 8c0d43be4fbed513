// Every e2e suite checks every answer of the gateway against the OpenAPI documents (README, "API
// descriptions"): `fetch` is wrapped before any suite runs, so the Stack client (libs/testing), the
// fixture's helpers and a suite's own `fetch` calls all go through it. An answer off the document is
// recorded and fails the test that got it (in afterEach: a test that catches errors cannot swallow it).
// Only answers of a loopback server on a gateway path are checked (not the webhook receivers).
import { documentProblems } from './openapi.helpers';

const GATEWAY_PATH = /^\/(v2|v3|api|openapi|docs|asyncapi|health|metrics)(\/|$|\.)/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const state = { checked: 0, problems: [] as string[] };

/** How many answers this suite had checked so far. */
export const answersChecked = (): number => state.checked;

/** The Kazoo verb tunnel: a POST under /v2 with `?verb=` or the envelope's `verb` is that verb. */
function tunnelled(method: string, url: URL, body: unknown): string {
  if (method !== 'POST' || !url.pathname.startsWith('/v2')) return method;
  const query = url.searchParams.get('verb');
  if (query) return query.toUpperCase();
  if (typeof body === 'string' && body.includes('"verb"')) {
    try {
      const verb = (JSON.parse(body) as { verb?: unknown }).verb;
      if (typeof verb === 'string' && verb) return verb.toUpperCase();
    } catch {
      /* not JSON: no verb */
    }
  }
  return method;
}

/**
 * Checks one answer of the gateway against the documents (recorded, fails the test in afterEach): what
 * the wrapped `fetch` does, and what a helper speaking HTTP itself (node:http, streamed uploads) calls.
 */
export function checkAnswer(
  method: string,
  url: URL,
  status: number,
  headers: Headers,
  body?: unknown,
): void {
  if (!LOOPBACK.has(url.hostname) || !GATEWAY_PATH.test(url.pathname)) return;
  state.checked++;
  const problems = documentProblems(method, url.pathname, { status, headers, body });
  if (problems.length)
    state.problems.push(
      `${problems.join('; ')}\n    body: ${
        body === undefined ? `(${headers.get('content-type')})` : JSON.stringify(body).slice(0, 400)
      }`,
    );
}

/** A node:http answer (headers as an object, the body as bytes) checked as `checkAnswer` does. */
export function checkRawAnswer(
  method: string,
  href: string,
  status: number,
  raw: Record<string, string | string[] | undefined>,
  bytes: Buffer,
  /** The request's body, when it may tunnel a Kazoo verb. */
  sent?: Buffer,
): void {
  const url = new URL(href);
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw).filter(([name]) => !name.startsWith(':')))
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
  let body: unknown;
  if (/json/.test(headers.get('content-type') ?? '') && method !== 'HEAD' && bytes.length) {
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      body = bytes.toString('utf8');
    }
  }
  const verb = tunnelled(
    method.toUpperCase(),
    url,
    sent && sent.length < 65536 ? sent.toString('utf8') : undefined,
  );
  checkAnswer(verb, url, status, headers, body);
}

const realFetch = globalThis.fetch;

async function checkedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await realFetch(input, init);
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const url = new URL(href);
  if (!LOOPBACK.has(url.hostname) || !GATEWAY_PATH.test(url.pathname)) return res;
  const method = tunnelled(
    (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
    url,
    init?.body,
  );
  const type = res.headers.get('content-type') ?? '';
  let body: unknown;
  if (/json/.test(type) && method !== 'HEAD') {
    const text = await res.clone().text();
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
  }
  checkAnswer(method, url, res.status, res.headers, body);
  return res;
}

globalThis.fetch = checkedFetch as typeof fetch;

function failOnProblems(): void {
  if (!state.problems.length) return;
  const found = state.problems.splice(0);
  throw new Error(`answers not as the OpenAPI documents say (docs/openapi):\n  ${found.join('\n  ')}`);
}

afterEach(failOnProblems);
afterAll(failOnProblems);
