// Small tests of the log settings: credentials in URLs never reach the logs.
import { loggerParams, REDACTED_PATHS } from './logging';

describe('request logging', () => {
  const serialize = (url: string) => {
    const http = loggerParams('test', 'info').pinoHttp as {
      serializers: { req: (r: { id: string; method: string; url: string }) => { url: string } };
    };
    return http.serializers.req({ id: '1', method: 'POST', url }).url;
  };

  it('redacts tokens and link signatures in the URL', () => {
    expect(serialize('/api/voicemail_files/a/b/upload?expires=123&signature=abc-DEF_1')).toBe(
      '/api/voicemail_files/a/b/upload?expires=123&signature=[redacted]',
    );
    expect(serialize('/x?access_token=t&y=1')).toBe('/x?access_token=[redacted]&y=1');
  });

  it('redacts the API key headers and secrets in payloads', () => {
    expect(REDACTED_PATHS).toEqual(expect.arrayContaining(['req.headers["x-api-key"]', '*.secret']));
  });
});
