// The simulated carrier: outcomes and timings per number pattern, deterministic (no randomness), so
// development and tests run whole campaigns without a trunk.
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
  const rule = s.rules.find((r) => {
    try {
      return new RegExp(r.pattern).test(req.callee);
    } catch {
      return false;
    }
  });
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
