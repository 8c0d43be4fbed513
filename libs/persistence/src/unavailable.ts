// Tells an outage of PostgreSQL (refused, reset or terminated connections, a server shutting down or
// starting up, a pool that cannot connect in time) from an error of the query itself.

/** SQLSTATEs of a server that is going away or not there yet: class 08 (connection) and these. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (a restart or pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /driver not connected/i,
];

/** True when `e` (a pg error, or TypeORM's QueryFailedError around one) says PostgreSQL is unreachable. */
export function isDatabaseUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 3) return false;
  const err = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_SYSCALL_CODES.has(code))
    return true;
  const message = typeof err.message === 'string' ? err.message : '';
  if (UNAVAILABLE_MESSAGES.some((r) => r.test(message))) return true;
  if (e instanceof AggregateError && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(err.driverError, depth + 1) || isDatabaseUnavailable(err.cause, depth + 1);
}
