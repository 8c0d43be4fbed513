import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
import { KAZOO_VMBOX_DEFAULTS } from '@voxmail/testing';
import { VmboxEntity } from './vmbox.entity';
import { canSee, effectiveLimits, shapeBox, vmboxView } from './vmboxes.service';

const u1 = '1'.repeat(32);
const u2 = '2'.repeat(32);
const acct = 'a'.repeat(32);

function box(over: Partial<VmboxEntity> = {}): VmboxEntity {
  return Object.assign(new VmboxEntity(), {
    id: 'b'.repeat(32),
    accountId: acct,
    mailbox: '3000',
    ownerId: null,
    type: 'personal',
    members: [],
    doc: { name: 'VMBox 0', mailbox: '3000' },
    pinHash: null,
    pinFailures: 0,
    lockedUntil: null,
    version: 1,
    ...over,
  });
}

const details = (f: () => unknown): Record<string, unknown> => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe(ErrorCode.ValidationFailed);
    return (e as DomainError).details ?? {};
  }
  throw new Error('expected a validation error');
};

describe('shapeBox', () => {
  it('fills Kazoo defaults and keeps custom keys', () => {
    const s = shapeBox({ name: 'VMBox 0', mailbox: '3000', some_key: 'some_value' }, undefined);
    expect(s.doc).toEqual({
      name: 'VMBox 0',
      mailbox: '3000',
      some_key: 'some_value',
      ...KAZOO_VMBOX_DEFAULTS,
    });
    expect(s).toMatchObject({ type: 'personal', members: [], ownerId: null, pin: { kind: 'keep' } });
  });

  it('takes the PIN out of the document', () => {
    const s = shapeBox({ name: 'n', mailbox: '1', pin: '0000' }, '0000');
    expect(s.doc).not.toHaveProperty('pin');
    expect(s.pin).toEqual({ kind: 'set', pin: '0000' });
    expect(shapeBox({ name: 'n', mailbox: '1', pin: null }, null).pin).toEqual({ kind: 'clear' });
  });

  it('drops ids, read-only and private keys a client sends back', () => {
    const s = shapeBox(
      { name: 'n', mailbox: '1', id: 'x', pin_set: true, _read_only: {}, pvt_type: 'vmbox' },
      undefined,
    );
    expect(Object.keys(s.doc)).not.toEqual(expect.arrayContaining(['id']));
    expect(s.doc).not.toHaveProperty('pin_set');
    expect(s.doc).not.toHaveProperty('_read_only');
    expect(s.doc).not.toHaveProperty('pvt_type');
  });

  it.each(['12a4', '123', '1234567', '12 4'])('refuses PIN %p saying digits', (pin) => {
    const d = details(() => shapeBox({ name: 'n', mailbox: '1', pin }, pin)) as Record<
      string,
      Record<string, { message: string }>
    >;
    const rules = Object.values(d.pin);
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.message).toBe('PIN must be 4 to 6 digits (0-9)');
  });

  it('accepts members only on a group box', () => {
    expect(details(() => shapeBox({ name: 'n', mailbox: '1', members: [u1] }, undefined))).toEqual({
      members: { dependencies: { message: 'members can only be set on a group box ("type": "group")' } },
    });
    expect(shapeBox({ name: 'n', mailbox: '1', type: 'group', members: [u1, u2] }, undefined)).toMatchObject({
      type: 'group',
      members: [u1, u2],
    });
  });
});

describe('who sees a box', () => {
  const admin: Actor = { accountId: acct, role: 'admin' };
  const user = (userId?: string): Actor => ({ accountId: acct, role: 'user', userId });

  it('admins see every box of the account', () => expect(canSee(admin, box())).toBe(true));
  it('a user sees a box it owns', () => expect(canSee(user(u1), box({ ownerId: u1 }))).toBe(true));
  it('a user sees a group box it is a member of', () =>
    expect(canSee(user(u2), box({ type: 'group', members: [u1, u2] }))).toBe(true));
  it('a user does not see other boxes', () => expect(canSee(user(u2), box({ ownerId: u1 }))).toBe(false));
  it('a user-level credential without a user sees nothing', () =>
    expect(canSee(user(), box({ ownerId: u1 }))).toBe(false));
});

describe('limits and the view', () => {
  it('takes the box value, else the account default, else none', () => {
    expect(
      effectiveLimits({ max_message_count: 5 }, { maxMessageCount: 100, maxMessageLength: 600 }),
    ).toEqual({
      max_message_count: 5,
      max_message_length: 600,
    });
    expect(effectiveLimits({}, { maxMessageCount: null, maxMessageLength: undefined })).toEqual({
      max_message_count: null,
      max_message_length: null,
    });
  });

  it('shows pin_set, never a PIN hash', () => {
    const v = vmboxView(box({ pinHash: '$argon2id$...' }));
    expect(v).toEqual({ name: 'VMBox 0', mailbox: '3000', id: 'b'.repeat(32), pin_set: true });
    expect(JSON.stringify(v)).not.toContain('argon2');
  });
});
