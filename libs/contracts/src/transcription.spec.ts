import { accountTranscription, boxTranscribes, searchConfigOf } from './transcription';

describe("an account's transcription settings", () => {
  it('reads enabled, language and engine, and counts anything malformed as absent', () => {
    expect(
      accountTranscription({ transcription: { enabled: true, language: 'fr-fr', engine: 'openai' } }),
    ).toEqual({ enabled: true, language: 'fr-fr', engine: 'openai' });
    expect(
      accountTranscription({ transcription: { enabled: 'yes', language: 'x; drop', engine: 'frogs' } }),
    ).toEqual({ enabled: null, language: null, engine: null });
    expect(accountTranscription({ name: 'no settings' })).toEqual({
      enabled: null,
      language: null,
      engine: null,
    });
    expect(accountTranscription(null).enabled).toBeNull();
  });

  it("lets the account's enabled win over the box's transcribe, which decides when the account says nothing", () => {
    expect(boxTranscribes({ transcribe: false }, true)).toBe(true);
    expect(boxTranscribes({ transcribe: true }, false)).toBe(false);
    expect(boxTranscribes({ transcribe: true }, null)).toBe(true);
    expect(boxTranscribes({}, null)).toBe(false);
  });

  it('searches a language with its stemmer, English when none is known, words as written otherwise', () => {
    expect(searchConfigOf('fr-fr')).toBe('french');
    expect(searchConfigOf('EN-us')).toBe('english');
    expect(searchConfigOf(null)).toBe('english');
    expect(searchConfigOf('ja')).toBe('simple');
  });
});
