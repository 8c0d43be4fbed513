// The one interface every carrier adapter implements: dial one number, report ringing and answer, play
// the prompt, and say how the call ended. The dialer owns states, leases and retries; adapters only dial.
import type { JsonObject } from '@voxmail/contracts';

export interface DialRequest {
  tenantId: string;
  callId: string;
  callee: string;
  callerId: string | null;
  /** An unanswered call is cancelled after this (maxRingingTime). */
  maxRingingMs: number;
  /** An answered call is hung up after this (maxDuration), or when the prompt has played. */
  maxDurationMs: number | null;
  loopCount: number;
  /** The prompt (the broadcast's `fileId`); the sip carrier plays its audio. */
  fileId: string;
  /** The prompt's length, when known. */
  promptMs: number | null;
  /** The app's adapter settings (credentials already decrypted). */
  settings: JsonObject;
}

export interface DialHooks {
  ringing(): Promise<void>;
  answered(): Promise<void>;
}

export type DialOutcome = 'completed' | 'busy' | 'no_answer' | 'failed';

export interface DialResult {
  outcome: DialOutcome;
  reason?: string;
}

export interface CarrierAdapter {
  dial(req: DialRequest, hooks: DialHooks): Promise<DialResult>;
  /** Releases what the adapter holds (sockets), once the replica's calls are over. */
  close?(): Promise<void>;
}
