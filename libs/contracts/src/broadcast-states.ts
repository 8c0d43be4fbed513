// The states of a broadcast and of its calls: the commands' replies and the events' payloads
// (event-registry.ts) both name them from here.
const FINAL = ['completed', 'busy', 'no_answer', 'failed', 'cancelled', 'rejected_dnc'] as const;
export const CALL_STATES = ['queued', 'dialing', 'ringing', 'answered', ...FINAL] as const;
export type CallState = (typeof CALL_STATES)[number];
/** States a call never leaves. */
export const FINAL_CALL_STATES: readonly CallState[] = FINAL;
/** Outcomes a retry policy may name. */
export const RETRYABLE_OUTCOMES = ['busy', 'no_answer', 'failed'] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

export const BROADCAST_STATES = ['queued', 'running', 'completed', 'cancelled'] as const;
export type BroadcastState = (typeof BROADCAST_STATES)[number];
