// Speech-to-text engines behind one interface, chosen by TRANSCRIPTION_ENGINE.
import type { TranscriptionEngineName } from '@voxmail/contracts';

export interface EngineResult {
  /** The words recognized; empty when the engine heard no speech. */
  text: string;
  language: string;
  /** 0..1, when the engine gives one. */
  confidence?: number;
}

export interface TranscriptionEngine {
  readonly name: TranscriptionEngineName;
  /**
   * Transcribes a 16 kHz mono 16-bit WAV file. Throws EngineInputError when the audio itself is the
   * problem (no retry helps), any other error when the engine failed (retried).
   */
  transcribe(wavPath: string, language: string, signal: AbortSignal): Promise<EngineResult>;
}

/** The audio cannot be transcribed (not audio, unreadable): the job ends `failed` without retries. */
export class EngineInputError extends Error {}

/** The default engine and the others an account may choose (`transcription.engine`). */
export class Engines {
  constructor(
    readonly fallback: TranscriptionEngine,
    private readonly byName: Partial<Record<TranscriptionEngineName, TranscriptionEngine>>,
  ) {}

  /** The engine an account chose, when this replica has it; otherwise the default. */
  pick(name: TranscriptionEngineName | null | undefined): TranscriptionEngine {
    return (name && this.byName[name]) || this.fallback;
  }
}
