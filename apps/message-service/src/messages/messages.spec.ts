import { isMessageId, newMessageId } from '@voxmail/contracts';
import { MessageEntity } from './message.entity';
import { countDelta } from './messages.repository';
import { audioFileName } from './message-views';

describe('message ids', () => {
  it('are YYYYMM-<32 hex> of the month the message was left', () => {
    const id = newMessageId(63630058722); // 2016-05-10
    expect(id).toMatch(/^201605-[0-9a-f]{32}$/);
    expect(isMessageId(id)).toBe(true);
    expect(newMessageId(63630058722)).not.toBe(id);
    expect(isMessageId('201605-XYZ')).toBe(false);
  });
});

describe('countDelta', () => {
  it('moves a message between the counted folders; deleted is not counted', () => {
    expect(countDelta(null, 'new')).toEqual({ new: 1, saved: 0 });
    expect(countDelta('new', 'saved')).toEqual({ new: -1, saved: 1 });
    expect(countDelta('saved', 'deleted')).toEqual({ new: 0, saved: -1 });
    expect(countDelta('deleted', 'new')).toEqual({ new: 1, saved: 0 });
    expect(countDelta('deleted', null)).toEqual({ new: 0, saved: 0 });
    expect(countDelta('new', 'new')).toEqual({ new: 0, saved: 0 });
  });
});

describe('audioFileName', () => {
  it('is when, from whom and the id’s tail, with nothing a file system would choke on', () => {
    const e = {
      id: '201605-0123456789abcdef0123456789abcdef',
      ts: 63630058722,
      doc: { caller_id_number: '+1 (555) 01/23' },
    } as unknown as MessageEntity;
    expect(audioFileName(e, 'mp3')).toBe('2016-05-10_00-18-42_+1__555__01_23_89abcdef.mp3');
  });
});
