import { Commands } from '@voxmail/contracts';
import {
  abandonedReply,
  IDEMPOTENT_SUBJECTS,
  isAbandonedReply,
  isCommandKey,
  isIdempotencyKey,
  newGatewayKey,
  parseDeadline,
  requestHash,
} from './idempotency';

describe('requestHash: what counts as the same request', () => {
  const s = Commands.MessageCreate.subject;

  it('ignores the order of keys and the upload id, at any depth', () => {
    const a = requestHash(s, { tenantId: 't', doc: { a: 1, b: [{ x: 1, y: 2 }] }, uploadId: 'u1' });
    const b = requestHash(s, { doc: { b: [{ y: 2, x: 1 }], a: 1 }, tenantId: 't', uploadId: 'u2' });
    expect(a).toBe(b);
  });

  it('differs with any value, the measured audio or the subject', () => {
    const base = { tenantId: 't', doc: { a: 1 }, facts: { sha256: 'f'.repeat(64) } };
    const h = requestHash(s, base);
    expect(requestHash(s, { ...base, doc: { a: 2 } })).not.toBe(h);
    expect(requestHash(s, { ...base, facts: { sha256: 'e'.repeat(64) } })).not.toBe(h);
    expect(requestHash(Commands.VmboxCreate.subject, base)).not.toBe(h);
    // an array's order is part of the request
    expect(requestHash(s, { l: [1, 2] })).not.toBe(requestHash(s, { l: [2, 1] }));
  });
});

describe('keys and deadlines', () => {
  it('accepts 1-255 visible ASCII characters as a key', () => {
    expect(isIdempotencyKey('a')).toBe(true);
    expect(isIdempotencyKey('k'.repeat(255))).toBe(true);
    for (const bad of ['', 'k'.repeat(256), 'a b', 'café', ['a'], undefined])
      expect(isIdempotencyKey(bad)).toBe(false);
  });

  it("keeps the gateway's own keys apart from every client key", () => {
    const k = newGatewayKey();
    expect(isCommandKey(k)).toBe(true);
    expect(isIdempotencyKey(k)).toBe(false); // a client cannot send it (nor collide with it)
    expect(newGatewayKey()).not.toBe(k);
    expect(isCommandKey('client-key')).toBe(true);
    for (const bad of ['gw ', 'gw x', ` ${k}`, 'a b']) expect(isCommandKey(bad)).toBe(false);
  });

  it("tells a resolve's abandonment from any other refusal", () => {
    expect(isAbandonedReply(abandonedReply())).toBe(true);
    expect(abandonedReply()).toMatchObject({ ok: false, error: { code: 'service_unavailable' } });
    for (const other of [
      { ok: false, error: { code: 'service_unavailable', message: 'x', details: { retry_after_s: 1 } } },
      { ok: true, data: { outcome: 'abandoned' } },
      null,
    ])
      expect(isAbandonedReply(other)).toBe(false);
  });

  it('reads a deadline header only when it is a plain number', () => {
    expect(parseDeadline('1796669140094')).toBe(1796669140094);
    for (const bad of ['', 'soon', '-1', '1e12', undefined]) expect(parseDeadline(bad)).toBeUndefined();
  });

  it('keeps no reply that holds a secret shown once', () => {
    expect(IDEMPOTENT_SUBJECTS.has(Commands.ApiClientCreate.subject)).toBe(false);
    expect(IDEMPOTENT_SUBJECTS.has(Commands.WebhookCreate.subject)).toBe(false);
    expect(IDEMPOTENT_SUBJECTS.has(Commands.MessageCreate.subject)).toBe(true);
  });
});
