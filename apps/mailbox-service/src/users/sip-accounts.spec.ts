// Small tests of users as SIP accounts: how `user@host` is read, and the fields a SIP account carries.
import { sipAccountView, splitAddress } from './sip-accounts.service';
import { UserEntity } from './user.entity';

describe('SIP addresses of the search route', () => {
  it('splits user@host at the first @, as the account manager does', () => {
    expect(splitAddress('alice@sip.example.org')).toEqual({ user: 'alice', host: 'sip.example.org' });
    expect(splitAddress('alice@sip.example.org@x')).toEqual({ user: 'alice', host: 'sip.example.org' });
    for (const none of ['alice', '@sip.example.org', 'alice@', '']) expect(splitAddress(none)).toBeNull();
  });
});

describe('a user as a SIP account', () => {
  const user = Object.assign(new UserEntity(), {
    id: 'a'.repeat(32),
    accountId: 'b'.repeat(32),
    sipId: 7,
    privLevel: 'user',
    doc: { username: 'alice', first_name: 'Alice', last_name: 'Martin', email: 'a@example.org' },
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    updatedAt: new Date('2026-01-02T03:04:06.000Z'),
  });
  it('carries its integer id, its name at the realm, and whether it is enabled', () => {
    expect(sipAccountView(user, 'sip.example.org')).toEqual({
      user_id: 'a'.repeat(32),
      sip_id: 7,
      username: 'alice',
      domain: 'sip.example.org',
      display_name: 'Alice Martin',
      email: 'a@example.org',
      admin: false,
      enabled: true,
      created_at: '2026-01-02T03:04:05.000Z',
      updated_at: '2026-01-02T03:04:06.000Z',
    });
    const disabled = Object.assign(new UserEntity(), { ...user, doc: { ...user.doc, enabled: false } });
    expect(sipAccountView(disabled, null)).toMatchObject({ enabled: false, domain: null });
  });
});
