// mailbox-service: tenants, users, vmboxes, PINs, auth. Add a variable: one line in `mailboxSpec` (README: Configuration).
import { service, tokenKeys, voxmailSecret } from '../shared';
import { int, ms, REQUIRED, text } from '../schema';

/** Bounds on argon2 work (password and PIN hashing), fair across accounts. */
// prettier-ignore
export const argon2Spec = {
  concurrency: int('ARGON2_CONCURRENCY', 1, [1, 256], 'argon2 computations at once in one replica (keep it under the cores)'),
  perAccount: int('ARGON2_PER_ACCOUNT', 1, [1, 256], 'of those, at most this many for one account'),
  queuePerAccount: int('ARGON2_QUEUE_PER_ACCOUNT', 32, [1, 100_000], 'argon2 work waiting or running per account (429 above)'),
  queuePerCredential: int('ARGON2_QUEUE_PER_CREDENTIAL', 4, [1, 100_000], 'argon2 work waiting or running per credential (429 above)'),
  queueTimeoutMs: ms('ARGON2_QUEUE_TIMEOUT_MS', 3000, [10, 120000], 'longest wait for an argon2 turn before 429'),
};

// prettier-ignore
export const mailboxSpec = {
  ...service,
  secret: voxmailSecret,
  operatorApiKey: text('VOXMAIL_OPERATOR_API_KEY', REQUIRED, "the operator (root) account's key", { secret: true, minLength: 24 }),
  tokenTtlSeconds: int('AUTH_TOKEN_TTL_SECONDS', 3600, [1, 30 * 86400], 'auth token lifetime'),
  tokenKeys,
  authFailureLimit: int('AUTH_FAILURE_LIMIT', 10, [1, 100000], 'failed logins per (address, target) before 429; see [Security](#security)'),
  authFailureWindowSeconds: int('AUTH_FAILURE_WINDOW_SECONDS', 60, [1, 86400], 'the window `AUTH_FAILURE_LIMIT` counts in'),
  pinLockSeconds: int('PIN_LOCK_SECONDS', 300, [1, 86400], 'how long a box stays locked after 5 wrong PINs'),
  mediaTimeoutMs: ms('MAILBOX_COMMAND_TIMEOUT_MS', 5000, [100, 120000], "time allowed to media-storage-service's commands (greetings)"),
  argon2: argon2Spec,
};
