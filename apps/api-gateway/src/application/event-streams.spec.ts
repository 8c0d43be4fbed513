// Small tests of what a stream's holder sees of its account's events (EventAudience).
import type { EventEnvelope } from '@voxmail/contracts';
import { EventAudience } from './event-streams';

const USER = 'u'.repeat(32);
const MINE = 'a'.repeat(32);
const THEIRS = 'b'.repeat(32);

const event = (type: string, data: Record<string, unknown>, aggregateId = 'x'): EventEnvelope => ({
  id: 'e',
  type,
  version: 1,
  tenantId: 't',
  aggregateId,
  occurredAt: '2026-12-08T00:00:00.000Z',
  data,
});

describe('EventAudience', () => {
  it('shows an admin every event of the account', () => {
    const all = EventAudience.everything();
    expect(all.sees(event('account.updated', {}))).toBe(true);
    expect(all.sees(event('message.created', { vmbox_id: THEIRS }))).toBe(true);
  });

  it("shows a user its boxes' events and its own user document only", () => {
    const user = EventAudience.user(USER, [MINE]);
    expect(user.sees(event('message.created', { vmbox_id: MINE }))).toBe(true);
    expect(user.sees(event('message.created', { vmbox_id: THEIRS }))).toBe(false);
    expect(user.sees(event('message.moved', { vmbox_id: THEIRS, from_vmbox_id: MINE }))).toBe(true);
    expect(user.sees(event('mwi.updated', { vmbox_id: MINE, new: 1, saved: 0 }))).toBe(true);
    expect(user.sees(event('mwi.updated', { vmbox_id: THEIRS, new: 1, saved: 0 }))).toBe(false);
    expect(user.sees(event('greeting.uploaded', { vmbox_id: MINE }))).toBe(true);
    expect(user.sees(event('media.stored', { key: 'k' }))).toBe(false);
    expect(user.sees(event('user.updated', { id: USER }, USER))).toBe(true);
    expect(user.sees(event('user.updated', { id: THEIRS }, THEIRS))).toBe(false);
    expect(user.sees(event('account.updated', {}))).toBe(false);
    expect(user.sees(event('quota.exceeded', {}))).toBe(false);
  });

  it('follows a box given to the user and stops following one taken away', () => {
    const user = EventAudience.user(USER, []);
    expect(user.sees(event('message.created', { vmbox_id: THEIRS }))).toBe(false);
    expect(user.sees(event('mailbox.updated', { id: THEIRS, owner_id: USER }, THEIRS))).toBe(true);
    expect(user.sees(event('message.created', { vmbox_id: THEIRS }))).toBe(true);
    expect(user.sees(event('mailbox.updated', { id: THEIRS, owner_id: 'someone' }, THEIRS))).toBe(false);
    expect(user.sees(event('message.created', { vmbox_id: THEIRS }))).toBe(false);
    // a group box the user is a member of
    expect(user.sees(event('mailbox.created', { id: MINE, members: [USER] }, MINE))).toBe(true);
    expect(user.sees(event('mailbox.deleted', { id: MINE }, MINE))).toBe(true);
    expect(user.sees(event('mwi.updated', { vmbox_id: MINE }))).toBe(false);
  });
});
