// The simulated carrier: outcomes and timings per number pattern, deterministic (no randomness), so
// development and tests run whole campaigns without a trunk. A rule's pattern is a tenant's regular
// expression: it runs on RE2 (re2js, linear in the callee's length, no backtracking), so no pattern can
// hold the dialer's event loop; a pattern RE2 does not take (backreferences, lookaround) is refused when
// the app is stored.
import { RE2JS } from 're2js';
import type { JsonObject } from '@voxmail/contracts';
import type { CarrierAdapter, DialHooks, DialOutcome, DialRequest, DialResult } from './carrier';

export interface SimulatedRule {
  /** A regular expression on the callee; the first matching rule applies. */
  pattern: string;
  outcome: DialOutcome;
  ring_ms?: number;
  talk_ms?: number;
}

export interface SimulatedSettings {
  rules: SimulatedRule[];
  ring_ms: number;
  talk_ms: number;
}

const OUTCOMES: readonly DialOutcome[] = ['completed', 'busy', 'no_answer', 'failed'];

const int = (v: unknown, dflt: number, max = 600_000): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : dflt;

/** Rules an app may have, and a pattern's length at most. */
export const MAX_RULES = 100;
export const MAX_PATTERN = 500;

const compiled = new Map<string, RE2JS | null>();

/** The pattern compiled by RE2 (cached), or null when RE2 does not take it. */
function re2(pattern: string): RE2JS | null {
  let r = compiled.get(pattern);
  if (r !== undefined) return r;
  try {
    r = pattern.length <= MAX_PATTERN ? RE2JS.compile(pattern) : null;
  } catch {
    r = null;
  }
  // a bounded cache: patterns are few per app, but tenants are many
  if (compiled.size >= 1000) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, r);
  return r;
}

/**
 * What is wrong with the `rules` of a simulated carrier's settings, by field (`settings.rules[i].pattern`),
 * as the app document's errors name them; checked when the app is stored.
 */
export function simulatedRuleErrors(s: JsonObject): Record<string, Record<string, { message: string }>> {
  const errors: Record<string, Record<string, { message: string }>> = {};
  if (s.rules === undefined) return errors;
  if (!Array.isArray(s.rules) || s.rules.length > MAX_RULES) {
    errors['settings.rules'] = { type: { message: `rules must be a list of at most ${MAX_RULES} rules` } };
    return errors;
  }
  s.rules.forEach((r, i) => {
    const o = r && typeof r === 'object' && !Array.isArray(r) ? (r as JsonObject) : {};
    const field = `settings.rules[${i}]`;
    if (typeof o.pattern !== 'string' || o.pattern.length > MAX_PATTERN)
      errors[`${field}.pattern`] = {
        type: { message: `pattern must be a regular expression of at most ${MAX_PATTERN} characters` },
      };
    else if (!re2(o.pattern))
      errors[`${field}.pattern`] = {
        pattern: {
          message: 'pattern must be an RE2 regular expression (no backreferences or lookaround)',
        },
      };
    if (!OUTCOMES.includes(o.outcome as DialOutcome))
      errors[`${field}.outcome`] = { enum: { message: `outcome must be one of ${OUTCOMES.join(', ')}` } };
  });
  return errors;
}

/** Reads the app's `settings` of a simulated carrier, with defaults; bad rules are ignored. */
export function simulatedSettings(s: JsonObject): SimulatedSettings {
  const rules: SimulatedRule[] = [];
  for (const r of Array.isArray(s.rules) ? s.rules : []) {
    if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
    const o = r as JsonObject;
    if (typeof o.pattern !== 'string' || !OUTCOMES.includes(o.outcome as DialOutcome)) continue;
    rules.push({
      pattern: o.pattern,
      outcome: o.outcome as DialOutcome,
      ...(o.ring_ms !== undefined ? { ring_ms: int(o.ring_ms, 0) } : {}),
      ...(o.talk_ms !== undefined ? { talk_ms: int(o.talk_ms, 0) } : {}),
    });
  }
  return { rules, ring_ms: int(s.ring_ms, 20), talk_ms: int(s.talk_ms, 50) };
}

export function planOf(req: DialRequest): { outcome: DialOutcome; ringMs: number; talkMs: number } {
  const s = simulatedSettings(req.settings);
  // RE2: time linear in the callee's length whatever the pattern (a pattern stored before RE2 that it
  // does not take matches nothing)
  const rule = s.rules.find((r) => re2(r.pattern)?.test(req.callee) ?? false);
  const outcome = rule?.outcome ?? 'completed';
  let ringMs = rule?.ring_ms ?? s.ring_ms;
  let talkMs = rule?.talk_ms ?? (req.promptMs !== null ? req.promptMs * req.loopCount : s.talk_ms);
  if (outcome === 'no_answer') ringMs = Math.min(ringMs, req.maxRingingMs);
  if (req.maxDurationMs !== null) talkMs = Math.min(talkMs, req.maxDurationMs);
  // a callee who would answer after maxRingingTime is a no answer
  if (outcome === 'completed' && ringMs > req.maxRingingMs)
    return { outcome: 'no_answer', ringMs: req.maxRingingMs, talkMs: 0 };
  return { outcome, ringMs, talkMs };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SimulatedCarrier implements CarrierAdapter {
  async dial(req: DialRequest, hooks: DialHooks): Promise<DialResult> {
    const plan = planOf(req);
    if (plan.outcome === 'failed') return { outcome: 'failed', reason: 'simulated failure' };
    if (plan.outcome === 'busy') return { outcome: 'busy' };
    await hooks.ringing();
    await sleep(plan.ringMs);
    if (plan.outcome === 'no_answer') return { outcome: 'no_answer' };
    await hooks.answered();
    await sleep(plan.talkMs);
    return { outcome: 'completed' };
  }
}
