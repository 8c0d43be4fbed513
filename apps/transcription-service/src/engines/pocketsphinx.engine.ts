// CMU PocketSphinx from Debian (packages pocketsphinx and pocketsphinx-en-us): `pocketsphinx_continuous
// -infile <16 kHz mono WAV>` prints the recognized utterances, one a line. Embedded and offline; its
// accuracy is modest (clear speech in a quiet room does well, phone audio with noise far less so).
import { EngineInputError, EngineResult, TranscriptionEngine } from './engine';
import { run, tail } from './process';

export class PocketsphinxEngine implements TranscriptionEngine {
  readonly name = 'pocketsphinx' as const;

  constructor(private readonly path: string) {}

  async transcribe(wavPath: string, language: string, signal: AbortSignal): Promise<EngineResult> {
    if (language !== 'en-us' && language !== 'en')
      throw new EngineInputError(`pocketsphinx has no model for language ${language}`);
    const r = await run(this.path, ['-infile', wavPath, '-logfn', '/dev/null'], signal);
    if (r.code !== 0) throw new Error(`pocketsphinx exited with ${r.code}: ${tail(r.stderr)}`);
    const text = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    return { text, language: 'en-us' };
  }
}
