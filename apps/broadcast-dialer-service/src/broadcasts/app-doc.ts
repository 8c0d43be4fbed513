// The broadcast app document (`appId`): carrier adapter and settings, caller id, pacing, retry policy,
// calling window, webhook. Checked here, field by field, with errors in the Kazoo details convention.
import {
  CALLEE,
  DomainError,
  ErrorCode,
  JsonObject,
  RETRYABLE_OUTCOMES,
  RetryableOutcome,
} from '@voxmail/contracts';
import { simulatedRuleErrors } from '../carriers/simulated.carrier';

export const CARRIERS = ['simulated', 'sip'] as const;
export type CarrierName = (typeof CARRIERS)[number];

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  intervalS: number;
  on: RetryableOutcome[];
}

export interface CallingWindow {
  timezone: string;
  /** Minutes after local midnight; `start > end` spans midnight. */
  startMin: number;
  endMin: number;
}

export interface AppConfig {
  carrier: CarrierName;
  /** Adapter settings without secrets. */
  settings: JsonObject;
  /** The trunk password, in clear, only while it is being stored. */
  password?: string;
  callerId: string | null;
  /** 0: no pacing. */
  cps: number;
  maxConcurrent: number;
  retry: RetryPolicy;
  window: CallingWindow | null;
  webhookUrl: string | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

type Errors = Record<string, Record<string, { message: string }>>;

function zoneOk(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const isObj = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads and checks an app document; throws a 400 naming every bad field. `stored`: the document is being
 * stored, so the simulated carrier's rules are checked too (a document stored before that check still
 * dials: its bad rules are ignored).
 */
export function parseAppDoc(doc: JsonObject, o: { stored?: boolean } = {}): AppConfig {
  const errors: Errors = {};
  const bad = (field: string, rule: string, message: string) => {
    errors[field] = { ...errors[field], [rule]: { message } };
  };
  const carrier = doc.carrier ?? 'simulated';
  if (!CARRIERS.includes(carrier as CarrierName)) bad('carrier', 'enum', 'carrier must be simulated or sip');
  const settings = doc.settings ?? {};
  if (!isObj(settings)) bad('settings', 'type', 'settings must be an object');
  const s: JsonObject = isObj(settings) ? { ...settings } : {};
  let password: string | undefined;
  if (carrier === 'sip') {
    if (typeof s.trunk_uri !== 'string' || !/^sips?:[^\s]+$/.test(s.trunk_uri) || s.trunk_uri.length > 255)
      bad('settings.trunk_uri', 'format', 'trunk_uri must be a sip: URI');
    if (s.username !== undefined && (typeof s.username !== 'string' || s.username.length > 128))
      bad('settings.username', 'type', 'username must be a string of at most 128 characters');
    if (s.password !== undefined) {
      if (typeof s.password !== 'string' || s.password.length > 256)
        bad('settings.password', 'type', 'password must be a string of at most 256 characters');
      else password = s.password;
    }
  }
  delete s.password;
  if (carrier === 'simulated' && o.stored) Object.assign(errors, simulatedRuleErrors(s));
  const callerId = doc.caller_id ?? null;
  if (callerId !== null && (typeof callerId !== 'string' || !CALLEE.test(callerId)))
    bad('caller_id', 'pattern', 'caller_id must be 7-15 digits');
  const cps = doc.calls_per_second ?? 10;
  if (typeof cps !== 'number' || !(cps >= 0 && cps <= 1000))
    bad('calls_per_second', 'range', 'calls_per_second must be 0 (no pacing) to 1000');
  const maxConcurrent = doc.max_concurrent_calls ?? 50;
  if (!Number.isInteger(maxConcurrent) || (maxConcurrent as number) < 1 || (maxConcurrent as number) > 10000)
    bad('max_concurrent_calls', 'range', 'max_concurrent_calls must be an integer 1 to 10000');
  const r = doc.retry ?? {};
  const retry: RetryPolicy = { attempts: 1, intervalS: 60, on: [] };
  if (!isObj(r)) bad('retry', 'type', 'retry must be an object');
  else {
    const attempts = r.attempts ?? 1;
    if (!Number.isInteger(attempts) || (attempts as number) < 1 || (attempts as number) > 5)
      bad('retry.attempts', 'range', 'retry.attempts must be 1 to 5');
    else retry.attempts = attempts as number;
    const interval = r.interval_s ?? 60;
    if (!Number.isInteger(interval) || (interval as number) < 0 || (interval as number) > 86400)
      bad('retry.interval_s', 'range', 'retry.interval_s must be 0 to 86400');
    else retry.intervalS = interval as number;
    const on = r.on ?? ['busy', 'no_answer', 'failed'];
    if (!Array.isArray(on) || on.some((o) => !RETRYABLE_OUTCOMES.includes(o as RetryableOutcome)))
      bad('retry.on', 'enum', 'retry.on lists busy, no_answer or failed');
    else retry.on = [...new Set(on as RetryableOutcome[])];
  }
  let window: CallingWindow | null = null;
  const w = doc.calling_window ?? null;
  if (w !== null) {
    if (!isObj(w)) bad('calling_window', 'type', 'calling_window must be an object');
    else {
      const tz = w.timezone;
      const start = typeof w.start === 'string' ? HHMM.exec(w.start) : null;
      const end = typeof w.end === 'string' ? HHMM.exec(w.end) : null;
      if (typeof tz !== 'string' || tz.length > 64 || !zoneOk(tz))
        bad('calling_window.timezone', 'enum', 'timezone must be an IANA time zone');
      if (!start) bad('calling_window.start', 'pattern', 'start must be HH:MM');
      if (!end) bad('calling_window.end', 'pattern', 'end must be HH:MM');
      if (typeof tz === 'string' && start && end && zoneOk(tz))
        window = {
          timezone: tz,
          startMin: Number(start[1]) * 60 + Number(start[2]),
          endMin: Number(end[1]) * 60 + Number(end[2]),
        };
    }
  }
  const webhook = doc.webhook_url ?? null;
  if (webhook !== null && (typeof webhook !== 'string' || !/^https?:\/\/[^\s]{1,2000}$/.test(webhook)))
    bad('webhook_url', 'format', 'webhook_url must be an http(s) URL');
  if (Object.keys(errors).length) throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', errors);
  return {
    carrier: carrier as CarrierName,
    settings: s,
    ...(password !== undefined ? { password } : {}),
    callerId: callerId as string | null,
    cps: cps as number,
    maxConcurrent: maxConcurrent as number,
    retry,
    window,
    webhookUrl: webhook as string | null,
  };
}

/** Whether `at` is inside the window, in the window's time zone. */
export function inWindow(w: CallingWindow | null, at: Date): boolean {
  if (!w) return true;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: w.timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value);
  const m = Number(parts.find((p) => p.type === 'minute')?.value);
  const now = h * 60 + m;
  if (w.startMin === w.endMin) return true;
  return w.startMin < w.endMin ? now >= w.startMin && now < w.endMin : now >= w.startMin || now < w.endMin;
}
