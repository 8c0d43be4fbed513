// Transcription of voicemail: what transcription-service asks message-service (the audio of a message whose
// box transcribes) and what it sends back (the result message-service stores on the message).
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { Int, Nested, Text } from './rules';
import { TenantCommand } from './commands';
import { ListQuery } from './list-query';
import { MESSAGE_FOLDERS, MessageAudio, MessageFolder, MessageIdCommand } from './messages';

export const TRANSCRIPTION_RESULTS = ['success', 'failed', 'no_speech', 'pending'] as const;
export type TranscriptionResult = (typeof TRANSCRIPTION_RESULTS)[number];
export const TRANSCRIPTION_ENGINES = ['pocketsphinx', 'openai'] as const;
export type TranscriptionEngineName = (typeof TRANSCRIPTION_ENGINES)[number];

/** Longest transcription text kept on a message (the message schema's own bound). */
export const MAX_TRANSCRIPTION_TEXT = 65536;

/** A message's `transcription` as the Kazoo document shows it, plus where it came from. */
export class Transcription {
  @IsIn(TRANSCRIPTION_RESULTS) result: TranscriptionResult;
  @IsOptional() @Text(MAX_TRANSCRIPTION_TEXT) text?: string;
  @IsOptional() @Text(16) language?: string;
  @IsOptional() @IsIn(TRANSCRIPTION_ENGINES) engine?: TranscriptionEngineName;
  @IsOptional() @IsNumber() @Min(0) @Max(1) confidence?: number;
  /** Seconds of audio transcribed (after the configured cut). */
  @IsOptional() @Int(0, 86400) seconds?: number;
}

/** Transcription-service's question: the audio of this message, if its box transcribes. */
export class TranscriptionSourceCommand extends MessageIdCommand {}

/** The answer: `transcribe: false` (box does not transcribe, message gone, or no audio) says why. */
export type TranscriptionSource =
  | { transcribe: false; reason: 'not_enabled' | 'gone' | 'no_audio' | 'already_transcribed' }
  | {
      transcribe: true;
      /** The account's `transcription.language` and `engine`; null: the service's configured ones. */
      language: string | null;
      engine?: TranscriptionEngineName | null;
      audio: MessageAudio;
      duration_ms: number | null;
    };

/** Stores the result on the message and publishes `message.transcribed` (once per message). */
export class StoreTranscriptionCommand extends MessageIdCommand {
  @Nested(() => Transcription) transcription: Transcription;
}

export interface StoreTranscriptionReply {
  /** false when the message is gone or already carries an engine's result (a repeat). */
  stored: boolean;
}

/** Longest `?q=` accepted. */
export const MAX_SEARCH_QUERY = 200;

/**
 * `GET /v2/accounts/{a}/messages?q=`: the account's messages (an admin: every box; a user: the boxes it
 * owns or is a member of) whose transcription, caller id name or number match `q`, best match first.
 */
export class SearchMessagesCommand extends TenantCommand {
  @Text(MAX_SEARCH_QUERY, 1) q: string;
  @Nested(() => ListQuery)
  query: ListQuery;
  @IsOptional() @IsIn(MESSAGE_FOLDERS) folder?: MessageFolder;
}

/**
 * An account's `transcription` settings (issue 21), on the Kazoo account document:
 * `{"transcription": {"enabled": true, "language": "fr-fr", "engine": "openai"}}`. `enabled` true makes
 * every box of the account transcribe, false none; absent, each box's `transcribe` decides. `language`
 * and `engine` (absent: the service's configured ones) apply to its messages' transcriptions and search.
 */
export interface AccountTranscription {
  enabled: boolean | null;
  language: string | null;
  engine: TranscriptionEngineName | null;
}

/** The account's transcription settings out of its document (anything malformed counts as absent). */
export function accountTranscription(doc: unknown): AccountTranscription {
  const t =
    typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).transcription : undefined;
  const o = typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : {};
  return {
    enabled: typeof o.enabled === 'boolean' ? o.enabled : null,
    language: typeof o.language === 'string' && LANGUAGE_TAG.test(o.language) ? o.language : null,
    engine: (TRANSCRIPTION_ENGINES as readonly unknown[]).includes(o.engine)
      ? (o.engine as TranscriptionEngineName)
      : null,
  };
}

/** Whether a box's messages are transcribed: the account's `transcription.enabled` wins over the box's `transcribe`. */
export function boxTranscribes(box: Record<string, unknown>, accountEnabled: boolean | null): boolean {
  return accountEnabled ?? box.transcribe === true;
}

/** A language tag as the engines take it (`en-us`, `fr`). */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i;

/**
 * The PostgreSQL text search configuration searching a language: its stemmer when PostgreSQL has one,
 * else `simple` (words as written). Keep in step with message-service's migration 1765300000000, which
 * builds each message's tsvector with the same mapping.
 */
export const SEARCH_CONFIGS: Record<string, string> = {
  ar: 'arabic',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  fi: 'finnish',
  fr: 'french',
  hu: 'hungarian',
  id: 'indonesian',
  it: 'italian',
  nl: 'dutch',
  no: 'norwegian',
  nb: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sv: 'swedish',
  tr: 'turkish',
};

export function searchConfigOf(language: string | null | undefined): string {
  if (!language) return 'english';
  return SEARCH_CONFIGS[language.toLowerCase().split('-')[0]] ?? 'simple';
}
