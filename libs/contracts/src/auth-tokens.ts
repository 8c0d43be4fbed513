// What a signed auth token says about its holder, how it is signed and checked, and how revocations of
// those tokens are keyed: mailbox-service signs, every gateway replica verifies, both by this one codec.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Actor, Role, TokenPurpose } from './commands';
import { DomainError, ErrorCode } from './errors';

/** Which credential a token came from: an account API key, a user's login, or an API client. */
export type TokenSource = 'api_key' | 'user' | 'api_client';

/**
 * The payload of an auth token (a JWS signed by mailbox-service, verified by every gateway replica).
 * Short claim names keep the token small; `iatMs` is the issue time in milliseconds, compared with
 * revocation times, so a revocation and a login in the same second are told apart.
 */
export interface AuthTokenClaims {
  /** The account (tenant) the token acts for. */
  acc: string;
  role: Role;
  src: TokenSource;
  /** The user (user logins; the owner of an API client). */
  uid?: string;
  /** The API client (api_client tokens). */
  cid?: string;
  /** What the token is for: it is refused for any other purpose (a Yeastar token on `/v2`, ...). */
  aud: TokenPurpose;
  iatMs: number;
  /** Expiry in seconds since the epoch (the JWT `exp` claim). */
  exp: number;
  /**
   * The token's own id (the JWT `jti`, 16 random hex characters, not a secret; short, as tokens stay
   * under 512 characters): what a revocation of this
   * one token (Kazoo's `DELETE /v2/token_auth`, a sign-out) is keyed by.
   */
  jti?: string;
}

/** The JetStream KV bucket where mailbox-service keeps the revocations that every gateway watches. */
export const REVOCATIONS_BUCKET = 'voxmail_revocations';
/** The key mailbox-service refreshes every second so a gateway knows its view of the bucket is current. */
export const REVOCATIONS_HEARTBEAT_KEY = 'heartbeat';
export const REVOCATIONS_HEARTBEAT_INTERVAL_MS = 1000;

/**
 * A revocation says: tokens of this principal issued at or before `before` (ms) are refused, or, with
 * `role`, carry that role instead of the one they were issued with (a user whose `priv_level` changed).
 */
export interface Revocation {
  before: number;
  role?: Role;
}

/** Revocation keys, one per principal, so a gateway checks a token with a few map lookups. */
export const RevocationKeys = {
  /** Every token of the account (disabled or deleted). */
  account: (accountId: string) => `account.${accountId}`,
  /** Tokens from the account's API key (rotated). */
  apiKey: (accountId: string) => `apikey.${accountId}`,
  /** Tokens of a user's logins (disabled or deleted). */
  user: (userId: string) => `user.${userId}`,
  /** Tokens of a user's logins carry the user's new `priv_level`. */
  role: (userId: string) => `role.${userId}`,
  /** Tokens of an API client (deleted). */
  client: (clientId: string) => `client.${clientId}`,
  /** One token (signed out with `DELETE /v2/token_auth`), by its `jti`. */
  token: (jti: string) => `token.${jti}`,
} as const;

/** The keys that refuse a token, most general first. */
export function refusingKeysOf(c: Pick<AuthTokenClaims, 'acc' | 'src' | 'uid' | 'cid' | 'jti'>): string[] {
  const keys = [RevocationKeys.account(c.acc)];
  if (c.src === 'api_key') keys.push(RevocationKeys.apiKey(c.acc));
  if (c.src === 'user' && c.uid) keys.push(RevocationKeys.user(c.uid));
  if (c.src === 'api_client' && c.cid) keys.push(RevocationKeys.client(c.cid));
  // an API client owned by a user stands for it: disabling or deleting the user refuses its tokens too
  if (c.src === 'api_client' && c.uid) keys.push(RevocationKeys.user(c.uid));
  if (c.jti) keys.push(RevocationKeys.token(c.jti));
  return keys;
}

/** The key that may change the role a token carries (only a user's own logins follow its priv_level). */
export function roleKeyOf(c: Pick<AuthTokenClaims, 'src' | 'uid'>): string | undefined {
  return c.src === 'user' && c.uid ? RevocationKeys.role(c.uid) : undefined;
}

/** Parses a stored revocation value; anything malformed counts as "refuse everything until now". */
export function parseRevocation(raw: string): Revocation {
  try {
    const v = JSON.parse(raw) as Partial<Revocation>;
    if (typeof v.before === 'number' && Number.isFinite(v.before)) {
      return v.role === 'admin' || v.role === 'user' || v.role === 'operator'
        ? { before: v.before, role: v.role }
        : { before: v.before };
    }
  } catch {
    /* fall through */
  }
  return { before: Date.now() };
}

/** An HMAC key for auth tokens, named by the `kid` header of the tokens it signs. */
export interface AuthTokenKey {
  kid: string;
  key: Uint8Array;
}

const INVALID_TOKEN = () => new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
const HEX32 = /^[0-9a-f]{32}$/;
const isHex = (v: unknown) => typeof v === 'string' && HEX32.test(v);
const JTI = /^[0-9a-f]{16}$/;

/** Signs a token with the first (current) key; the token is an opaque string to clients. */
export async function signAuthToken(
  claims: Omit<AuthTokenClaims, 'iatMs' | 'exp' | 'aud' | 'jti'> & { aud?: TokenPurpose },
  ttlSeconds: number,
  keys: AuthTokenKey[],
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date; claims: AuthTokenClaims }> {
  const [current] = keys;
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const jti = randomBytes(8).toString('hex');
  const full: AuthTokenClaims = { ...claims, aud: claims.aud ?? 'kazoo', iatMs: now, exp, jti };
  const token = await new SignJWT({ ...full })
    .setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'JWT' })
    .setIssuedAt(Math.floor(now / 1000))
    .sign(current.key);
  return { token, expiresAt: new Date(exp * 1000), claims: full };
}

/**
 * Checks algorithm, `kid`, signature, expiry, purpose (`aud`: a token minted for another purpose, or for
 * none, is refused) and the claims' shapes; any failure is "invalid token".
 */
export async function verifyAuthToken(
  token: string,
  keys: AuthTokenKey[],
  purpose: TokenPurpose = 'kazoo',
): Promise<AuthTokenClaims> {
  let payload: Partial<AuthTokenClaims>;
  try {
    const verified = await jwtVerify(
      token,
      (header) => {
        const k = keys.find((key) => key.kid === header.kid);
        if (!k) throw new errors.JWSSignatureVerificationFailed();
        return k.key;
      },
      { algorithms: ['HS256'] },
    );
    payload = verified.payload as Partial<AuthTokenClaims>;
  } catch {
    throw INVALID_TOKEN();
  }
  const p = payload;
  if (
    p.aud !== purpose ||
    !isHex(p.acc) ||
    (p.role !== 'operator' && p.role !== 'admin' && p.role !== 'user') ||
    (p.src !== 'api_key' && p.src !== 'user' && p.src !== 'api_client') ||
    (p.uid !== undefined && !isHex(p.uid)) ||
    (p.cid !== undefined && !isHex(p.cid)) ||
    (p.jti !== undefined && !(typeof p.jti === 'string' && JTI.test(p.jti))) ||
    typeof p.iatMs !== 'number' ||
    typeof p.exp !== 'number'
  ) {
    throw INVALID_TOKEN();
  }
  return p as AuthTokenClaims;
}

/** The Actor a verified token stands for, with the role it carries now. */
export function actorOfClaims(c: AuthTokenClaims, role: Role = c.role): Actor {
  return {
    accountId: c.acc,
    role,
    ...(c.uid ? { userId: c.uid } : {}),
    ...(c.cid ? { clientId: c.cid } : {}),
  };
}
