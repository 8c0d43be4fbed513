import { duration, localTime, oneLine, render } from './template';

describe('voicemail e-mail template', () => {
  const values = {
    caller_id_name: 'A',
    caller_id_number: '1',
    date: 'D',
    duration: '0:05',
    vmbox_name: 'Box',
    mailbox: '100',
    transcription: '',
    message_id: 'm',
  };

  it('replaces known macros and leaves unknown ones', () => {
    expect(render('{{caller_id_name}} {{ mailbox }} {{nope}}', values)).toBe('A 100 {{nope}}');
  });

  it('keeps a subject on one line', () => {
    expect(oneLine('a\r\nBcc: x')).toBe('a Bcc: x');
  });

  it('formats durations and local times', () => {
    expect(duration(65400)).toBe('1:05');
    const at = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
    expect(localTime(at, 'Asia/Tokyo')).toMatch(/21:00:00/);
    expect(localTime(at, 'Not/AZone')).toMatch(/12:00:00/);
  });
});
