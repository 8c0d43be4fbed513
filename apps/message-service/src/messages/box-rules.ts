// The rules of a box a message must obey: valid metadata, room under max_message_count, max length.
import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCode, JsonObject, VmboxReply } from '@voxmail/contracts';
import { BoxCounts } from './messages.repository';

export function assertRoom(box: VmboxReply, counts: BoxCounts, adding = 1): void {
  const max = box.limits.max_message_count;
  if (max !== null && max !== undefined && counts.new + counts.saved + adding > max) {
    throw new DomainError(ErrorCode.Conflict, `the voicemail box is full (max_message_count ${max})`, {
      max_message_count: { maximum: { message: 'The voicemail box is full', target: max } },
    });
  }
}

export function maxDurationMs(box: VmboxReply): number | undefined {
  const s = box.limits.max_message_length;
  return typeof s === 'number' && s > 0 ? s * 1000 : undefined;
}

/**
 * What Kazoo fills in when a message is deposited without call details: a random hex call id (Kazoo's
 * `kz_binary:rand_hex(16)`) and its anonymous call's `nouser@norealm` from/to, so every list entry carries
 * every documented field. The client's own values win.
 */
export function kazooMessageDefaults(): JsonObject {
  return {
    from: 'nouser@norealm',
    to: 'nouser@norealm',
    caller_id_number: '',
    caller_id_name: '',
    call_id: randomBytes(16).toString('hex'),
  };
}
