import { Writable } from 'node:stream';
import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { loggerParams, redactUrl } from './logging';

/** A pino logger built from the apps' own logging options, writing into `lines`. */
function capture(level = 'info'): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const opts = loggerParams('test', level).pinoHttp as pino.LoggerOptions;
  return { log: pino(opts, stream), lines };
}

describe('log redaction', () => {
  it('redacts secret query parameters by name, whatever their case or spelling', () => {
    const url =
      '/v2/accounts/a/vmboxes?auth_token=T1&paginate=true&API_KEY=K1&x-api-key=K2&access_token=T2' +
      '&refresh_token=T3&password=P1&pin=1234&secret=S1&signature=G1&sign=G2&credentials=C1&token=T4';
    const out = redactUrl(url);
    for (const s of ['T1', 'K1', 'K2', 'T2', 'T3', 'P1', '1234', 'S1', 'G1', 'G2', 'C1', 'T4'])
      expect(out).not.toContain(`=${s}`);
    expect(out).toContain('paginate=true');
    expect(out).toContain('auth_token=[redacted]');
  });

  it('censors secret-named keys at any depth of a logged object, and URLs in it', () => {
    const { log, lines } = capture();
    log.info(
      {
        headers: { 'X-Auth-Token': 'tok-1', authorization: 'Bearer tok-2', 'x-api-key': 'key-1' },
        body: { data: { nested: { deeper: { pin: '4321', password: 'hunter2', credentials: 'c-1' } } } },
        url: '/v2/x?auth_token=tok-3',
      },
      'hello',
    );
    const text = lines.join('');
    for (const s of ['tok-1', 'tok-2', 'key-1', '4321', 'hunter2', 'c-1', 'tok-3'])
      expect(text).not.toContain(s);
    expect(text).toContain('hello');
  });

  it('logs a failed query by code, constraint and table, never its parameters, query or stack', () => {
    const { log, lines } = capture();
    const driver = Object.assign(new Error('duplicate key value violates unique constraint "uq_cred"'), {
      code: '23505',
      constraint: 'uq_cred',
      table: 'credentials',
      detail: 'Key (hash)=($argon2id$v=19$m=65536$SECRETHASH) already exists.',
    });
    const err = new QueryFailedError(
      'INSERT INTO credentials(hash, hmac) VALUES ($1, $2)',
      ['$argon2id$v=19$m=65536$SECRETHASH', 'hmac-SECRETHMAC'],
      driver,
    );
    log.error({ err, subject: 'voxmail.cmd.x' }, 'command failed');
    log.error({ error: err }, 'under another key');
    const text = lines.join('');
    expect(text).not.toContain('SECRETHASH');
    expect(text).not.toContain('SECRETHMAC');
    expect(text).not.toContain('INSERT INTO');
    expect(text).not.toMatch(/\.ts:\d+|\.js:\d+/);
    const first = JSON.parse(lines[0]) as { err: Record<string, unknown> };
    expect(first.err).toEqual(
      expect.objectContaining({
        type: 'QueryFailedError',
        code: '23505',
        constraint: 'uq_cred',
        table: 'credentials',
      }),
    );
  });

  it('keeps stack traces of other errors for debug level only', () => {
    const info = capture('info');
    info.log.error({ err: new Error('boom') }, 'x');
    expect(info.lines.join('')).not.toContain('logging.spec');
    const debug = capture('debug');
    debug.log.error({ err: new Error('boom') }, 'x');
    expect(debug.lines.join('')).toContain('logging.spec');
  });

  it('redacts the signature of every signed link: play links in the path, signed queries anywhere', () => {
    const hmac = 'Zq3_9xWm-8Kd1LpQ7rT2vB5nYc0sHjEaUf4gIoXw6yA';
    const play = `/api/download/VoicemailGreeting-${'a'.repeat(32)}${'b'.repeat(32)}-1765000000-${hmac}.wav`;
    const upload = '/api/accounts/me/voicemails/1/file?expires=1765000000&signature=SIGUP123';
    const download = 'https://vox.example/api/files/x.wav?expires=1765000000&signature=SIGDOWN456';
    expect(redactUrl(play)).toBe(play.replace(hmac, '[redacted]'));
    const { log, lines } = capture();
    log.info({ req: { id: '1', method: 'GET', url: play } }, 'request');
    log.info({ body: { play_resource_url: play, upload_url: upload }, note: `fetch ${download}` }, 'links');
    log.info(`a message naming ${play} and ${download}`);
    log.error({ err: new Error(`failed on ${upload}`) }, 'x');
    const text = lines.join('');
    for (const secret of [hmac, 'SIGUP123', 'SIGDOWN456']) expect(text).not.toContain(secret);
    expect(text).toContain('VoicemailGreeting-');
    expect(text).toContain('expires=1765000000');
  });
});
