// The app's only way to the platform: the public Kazoo face (`/v2`), as any client calls it. The token lives
// in memory only (never in storage): it is renewed before it expires with what signed the person in, and
// revoked (`DELETE /v2/token_auth`) and forgotten on sign-out.
import { md5 } from 'js-md5';

export interface Session {
  token: string;
  accountId: string;
  accountName: string;
  userId?: string;
  privLevel: string;
  isReseller: boolean;
  expiresAt?: string;
}

export type Login =
  { kind: 'user'; account: string; username: string; password: string } | { kind: 'key'; apiKey: string };

/** What re-signs the person in (the md5 credentials, never the password, or the API key), in memory. */
type Renewal = { path: string; data: Record<string, string> };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

let session: Session | undefined;
let renewal: Renewal | undefined;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<(s: Session | undefined) => void>();

export const currentSession = (): Session | undefined => session;

/** Admins (and the operator) see the console; users only their own boxes. */
export const isAdmin = (s: Session): boolean => s.privLevel === 'admin' || s.privLevel === 'operator';

export function onSession(fn: (s: Session | undefined) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setSession(s: Session | undefined): void {
  session = s;
  listeners.forEach((fn) => fn(s));
}

/** The expiry a token carries (its JWS payload's `exp`), in ms; undefined when unreadable. */
function tokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: number;
    };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function scheduleRenewal(token: string): void {
  if (renewTimer) clearTimeout(renewTimer);
  const exp = tokenExpiry(token);
  if (!exp) return;
  // a minute before it expires (at least 5 s from now), and at most a timer's range away
  const wait = Math.min(Math.max(exp - Date.now() - 60_000, 5_000), 2 ** 31 - 1);
  renewTimer = setTimeout(() => void renew(), wait);
}

async function grant(r: Renewal): Promise<Session> {
  const res = await fetch(r.path, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ data: r.data }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    auth_token?: string;
    data?: Record<string, unknown>;
    message?: string;
  };
  if (res.status !== 201 || !body.auth_token || !body.data)
    throw new ApiError(res.status, body.message ?? `HTTP ${res.status}`, body.data);
  const d = body.data;
  return {
    token: body.auth_token,
    accountId: String(d.account_id),
    accountName: String(d.account_name ?? ''),
    userId: typeof d.owner_id === 'string' ? d.owner_id : undefined,
    privLevel: String(d.priv_level ?? 'user'),
    isReseller: d.is_reseller === true,
    expiresAt: typeof d.expires_at === 'string' ? d.expires_at : undefined,
  };
}

export async function signIn(login: Login): Promise<Session> {
  const r: Renewal =
    login.kind === 'key'
      ? { path: '/v2/api_auth', data: { api_key: login.apiKey.trim() } }
      : {
          path: '/v2/user_auth',
          data: {
            credentials: md5(`${login.username}:${login.password}`),
            // Kazoo's cb_user_auth tries the realm first, then the account's name
            realm: login.account.trim(),
            account_name: login.account.trim(),
          },
        };
  const s = await grant(r);
  renewal = r;
  setSession(s);
  scheduleRenewal(s.token);
  return s;
}

async function renew(): Promise<void> {
  if (!renewal || !session) return;
  try {
    const s = await grant(renewal);
    setSession(s);
    scheduleRenewal(s.token);
  } catch {
    forget();
  }
}

/** Forgets the token and what renews it. */
function forget(): void {
  if (renewTimer) clearTimeout(renewTimer);
  renewal = undefined;
  setSession(undefined);
}

/**
 * Signs out: the platform revokes the token (Kazoo's `DELETE /v2/token_auth`, refused everywhere from its
 * answer on, the event stream ended), then the app forgets it. Forgotten even when the platform cannot be
 * reached (the token then expires by itself).
 */
export async function signOut(): Promise<void> {
  const s = session;
  if (s) {
    await fetch('/v2/token_auth', { method: 'DELETE', headers: { 'X-Auth-Token': s.token } }).catch(
      () => undefined,
    );
  }
  if (session === s) forget();
}

export interface Envelope<T> {
  data: T;
  next_start_key?: string;
  page_size?: number;
}

/** A Kazoo call: `{data}` in, the envelope out; a 401 signs out, any error is an ApiError. */
export async function api<T>(
  method: string,
  path: string,
  data?: unknown,
  init: { headers?: Record<string, string>; body?: BodyInit } = {},
): Promise<Envelope<T>> {
  const s = session;
  if (!s) throw new ApiError(401, 'signed out');
  const headers: Record<string, string> = { 'X-Auth-Token': s.token, ...init.headers };
  let body = init.body;
  if (data !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ data });
  }
  const res = await fetch(`/v2${path}`, { method, headers, body });
  const json = (await res.json().catch(() => ({}))) as Envelope<T> & { message?: string; error?: string };
  if (res.status === 401 && session === s) forget();
  if (!res.ok) throw new ApiError(res.status, errorText(json), json.data);
  return json;
}

/** The envelope's message, with the fields a validation failure names. */
function errorText(json: { message?: string; data?: unknown }): string {
  const fields =
    json.data && typeof json.data === 'object' && !Array.isArray(json.data)
      ? Object.entries(json.data as Record<string, unknown>)
          .map(([k, v]) =>
            v && typeof v === 'object'
              ? `${k}: ${Object.values(v as Record<string, { message?: string }>)
                  .map((r) => r?.message ?? '')
                  .join(' ')}`
              : '',
          )
          .filter(Boolean)
      : [];
  return [json.message ?? 'error', ...fields].join(' — ');
}

/** A URL of an audio resource an `<audio>` element or a link can open (the token in `?auth_token=`). */
export function mediaUrl(path: string, query: Record<string, string> = {}): string {
  const q = new URLSearchParams({ ...query, auth_token: session?.token ?? '' });
  return `/v2${path}?${q.toString()}`;
}

/** POSTs a JSON body and answers the binary reply (a ZIP of messages). */
export async function download(path: string, data: unknown, accept: string): Promise<Blob> {
  const s = session;
  if (!s) throw new ApiError(401, 'signed out');
  const res = await fetch(`/v2${path}`, {
    method: 'POST',
    headers: { 'X-Auth-Token': s.token, 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify({ data }),
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  return res.blob();
}

/** Gregorian seconds (Kazoo's timestamps) to a Date. */
export const fromGregorian = (g: number): Date => new Date((g - 62167219200) * 1000);
