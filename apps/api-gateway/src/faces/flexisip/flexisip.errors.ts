// The account manager face's error shape (Laravel's): `{"message", "errors": {field: [..]}}` for 422,
// `{"message"}` otherwise.
import { DomainError, ErrorCode, HTTP_STATUS_OF } from '@voxmail/contracts';

/** Laravel's words for the statuses the account manager answers. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.Unauthenticated]: 'Unauthenticated.',
  [ErrorCode.Internal]: 'Server Error',
};

/** `{field: {rule: {message}}}` (the DomainError details convention) as Laravel's `{field: [message]}`. */
function laravelErrors(details: Record<string, unknown> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, rules] of Object.entries(details ?? {})) {
    if (!rules || typeof rules !== 'object') continue;
    const messages = Object.values(rules as Record<string, unknown>)
      .map((r) => (r as { message?: unknown } | null)?.message)
      .filter((m): m is string => typeof m === 'string');
    if (messages.length) out[field] = messages;
  }
  return out;
}

/** Laravel's summary: the first message, and how many more there are. */
function laravelMessage(errors: Record<string, string[]>, fallback: string): string {
  const all = Object.values(errors).flat();
  if (!all.length) return fallback;
  const more = all.length - 1;
  return more ? `${all[0]} (and ${more} more error${more > 1 ? 's' : ''})` : all[0];
}

export function flexisipError(e: DomainError): { status: number; body: Record<string, unknown> } {
  // a file that is not the declared audio is a validation failure of `file` on this face
  if (e.code === ErrorCode.UnsupportedMediaType) {
    const errors = { file: ['The file must be an audio file of the declared content_type.'] };
    return { status: 422, body: { message: laravelMessage(errors, e.message), errors } };
  }
  if (e.code === ErrorCode.ValidationFailed || e.code === ErrorCode.Unprocessable) {
    const errors = laravelErrors(e.details);
    return { status: 422, body: { message: laravelMessage(errors, e.message), errors } };
  }
  return { status: HTTP_STATUS_OF[e.code], body: { message: MESSAGES[e.code] ?? e.message } };
}
