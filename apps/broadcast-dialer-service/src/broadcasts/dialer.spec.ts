import { planOf } from '../carriers/simulated.carrier';
import { onbukaSign } from '@voxmail/contracts';
import { inWindow, parseAppDoc } from './app-doc';
import { idStamp, voiceIds } from './broadcasts.service';

describe('Onbuka sign', () => {
  it("reproduces the document's example", () => {
    expect(onbukaSign('bDqJFiq9', '7bz1lzh9', '1630468800')).toBe('05d7a50893e22a5c4bb3216ae3396c7c');
  });
});

describe('voiceIds', () => {
  it("are the document's 19 digits: yyMMddHHmmss and a counter", () => {
    const stamp = idStamp(Date.UTC(2022, 2, 3, 11, 34, 1));
    expect(voiceIds(stamp, 2, 2)).toEqual(['2203031134011000001', '2203031134011000002']);
  });
});

describe('simulated carrier plan', () => {
  const req = {
    callId: 'c',
    tenantId: 't',
    fileId: 'f',
    callerId: null,
    maxRingingMs: 20000,
    maxDurationMs: 3000,
    loopCount: 2,
    promptMs: 2000,
    settings: {
      rules: [
        { pattern: '^49', outcome: 'busy' },
        { pattern: '^33', outcome: 'completed', ring_ms: 30000 },
      ],
    },
  };
  it('takes the first matching rule, and the defaults otherwise', () => {
    expect(planOf({ ...req, callee: '4912345678' }).outcome).toBe('busy');
    expect(planOf({ ...req, callee: '1212345678' })).toEqual({
      outcome: 'completed',
      ringMs: 20,
      talkMs: 3000,
    });
  });
  it('plays the prompt loopCount times, cut at maxDuration', () => {
    expect(planOf({ ...req, maxDurationMs: null, callee: '1212345678' }).talkMs).toBe(4000);
  });
  it('turns an answer after maxRingingTime into no answer', () => {
    expect(planOf({ ...req, callee: '3312345678' })).toEqual({
      outcome: 'no_answer',
      ringMs: 20000,
      talkMs: 0,
    });
  });
});

describe('calling window', () => {
  const w = parseAppDoc({
    calling_window: { timezone: 'Europe/Paris', start: '09:00', end: '20:00' },
  }).window;
  it('is read in its time zone', () => {
    expect(inWindow(w, new Date('2026-01-15T07:59:00Z'))).toBe(false); // 08:59 in Paris
    expect(inWindow(w, new Date('2026-01-15T08:00:00Z'))).toBe(true);
    expect(inWindow(w, new Date('2026-01-15T18:59:00Z'))).toBe(true);
    expect(inWindow(w, new Date('2026-01-15T19:00:00Z'))).toBe(false);
  });
  it('may span midnight', () => {
    const night = parseAppDoc({ calling_window: { timezone: 'UTC', start: '22:00', end: '02:00' } }).window;
    expect(inWindow(night, new Date('2026-01-15T23:00:00Z'))).toBe(true);
    expect(inWindow(night, new Date('2026-01-15T03:00:00Z'))).toBe(false);
  });
});
