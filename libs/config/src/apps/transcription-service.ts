// transcription-service: speech to text of voicemail. Add a variable: one line in `transcriptionSettingsSpec`
// (README: Configuration).
import { ffmpegPath, service } from '../shared';
import { int, ms, oneOf, privateTargets, REQUIRED, text, UNSET, url, when } from '../schema';

/** The `openai` engine's server (an OpenAI-compatible one), read with TRANSCRIPTION_ENGINE=openai or whenever TRANSCRIPTION_OPENAI_URL is set (an account may choose `openai`). */
// prettier-ignore
export const openAiSpec = {
  baseUrl: url('TRANSCRIPTION_OPENAI_URL', REQUIRED, ['http:', 'https:'], 'the server\'s base URL; requests go to `<url>/v1/audio/transcriptions`', { shown: 'required with `openai`' }),
  apiKey: text('TRANSCRIPTION_OPENAI_API_KEY', UNSET, 'sent as `Authorization: Bearer`; unset sends none', { secret: true }),
  model: text('TRANSCRIPTION_OPENAI_MODEL', 'whisper-1', 'model name'),
  timeoutMs: ms('TRANSCRIPTION_OPENAI_TIMEOUT_MS', 120000, [100, 3600000], 'time allowed to one request'),
  attempts: int('TRANSCRIPTION_OPENAI_ATTEMPTS', 3, [1, 10], 'tries per transcription'),
  retryBaseMs: ms('TRANSCRIPTION_OPENAI_RETRY_BASE_MS', 1000, [10, 600000], 'first retry delay (doubling)'),
  allowPrivate: privateTargets('TRANSCRIPTION_OPENAI_ALLOW_PRIVATE', '`true`/`loopback` allow a server on private addresses (a GPU box on the carrier\'s network)'),
};

// prettier-ignore
export const transcriptionSettingsSpec = {
  engine: oneOf('TRANSCRIPTION_ENGINE', ['pocketsphinx', 'openai'], 'pocketsphinx', 'speech-to-text engine: `pocketsphinx` (embedded) or `openai` (an OpenAI-compatible server)'),
  openai: when((env) => env.TRANSCRIPTION_ENGINE === 'openai' || !!env.TRANSCRIPTION_OPENAI_URL, openAiSpec, null),
  language: text('TRANSCRIPTION_LANGUAGE', 'en-us', 'the language asked of the engine when the message does not say (pocketsphinx knows `en-us`)', { pattern: [/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i, 'a language tag like en-us'] }).map((l) => l.toLowerCase()),
  concurrency: int('TRANSCRIPTION_CONCURRENCY', 2, [1, 64], 'transcriptions one replica runs at once'),
  accountConcurrency: int('TRANSCRIPTION_ACCOUNT_CONCURRENCY', 2, [1, 64], 'transcriptions of one account at once over all replicas'),
  maxSeconds: int('TRANSCRIPTION_MAX_SECONDS', 300, [1, 3600], 'audio beyond this many seconds is cut off'),
  leaseMs: ms('TRANSCRIPTION_LEASE_MS', 60000, [1000, 3600000], "a job's lease, renewed while it runs (a dead replica's job is taken over)"),
  timeoutMs: ms('TRANSCRIPTION_TIMEOUT_MS', 600000, [1000, 3600000], 'time allowed to one transcription (download, conversion, engine)'),
  attempts: int('TRANSCRIPTION_ATTEMPTS', 3, [1, 20], 'attempts before a job gives up with `result: failed`'),
  pollMs: ms('TRANSCRIPTION_POLL_MS', 1000, [10, 60000], 'how often idle workers look for jobs (an event wakes them sooner)'),
  commandTimeoutMs: ms('TRANSCRIPTION_COMMAND_TIMEOUT_MS', 60000, [100, 600000], "time allowed to message-service's commands"),
  ffmpegPath,
  pocketsphinxPath: text('POCKETSPHINX_PATH', 'pocketsphinx_continuous', "Debian's `pocketsphinx_continuous` (package pocketsphinx, model pocketsphinx-en-us)"),
};

export const transcriptionSpec = {
  ...service,
  transcription: transcriptionSettingsSpec,
};
