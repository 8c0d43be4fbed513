// notification-service: webhooks and voicemail-to-e-mail. Add a variable: one line in `notificationSpec`
// (README: Configuration).
import { service, voxmailSecret, webhookPrivateTargets } from '../shared';
import { computed, flag, int, ms, REQUIRED, text, UNSET, when, type Check } from '../schema';

/** Voicemail-to-e-mail, read only when SMTP_HOST is set. */
// prettier-ignore
export const smtpSpec = {
  host: text('SMTP_HOST', REQUIRED, 'voicemail-to-e-mail server; unset sends no e-mail', { shown: 'unset (no e-mail)' }),
  secure: flag('SMTP_SECURE', false, 'TLS from the first byte (SMTPS, usually 465); otherwise STARTTLS when the server offers it'),
  port: int('SMTP_PORT', computed((c) => (c.read.SMTP_SECURE ? 465 : 587)), [1, 65535], 'its port', { shown: '`587`, `465` with `SMTP_SECURE`' }),
  requireTls: flag('SMTP_REQUIRE_TLS', false, 'refuse to send without STARTTLS'),
  rejectUnauthorized: flag('SMTP_TLS_REJECT_UNAUTHORIZED', true, "check the server's certificate"),
  user: text('SMTP_USER', UNSET, 'user (with `SMTP_PASSWORD`, together or not at all)'),
  password: text('SMTP_PASSWORD', UNSET, 'password (with `SMTP_USER`)', { secret: true }),
  from: text('SMTP_FROM', 'Voxmail <voicemail@localhost>', 'sender'),
  timeoutMs: ms('SMTP_TIMEOUT_MS', 15000, [100, 300000], 'SMTP time allowed'),
};

// prettier-ignore
export const notificationSpec = {
  ...service,
  secret: voxmailSecret,
  webhooks: {
    allowPrivateTargets: webhookPrivateTargets,
    timeoutMs: ms('WEBHOOK_TIMEOUT_MS', 5000, [100, 60000], 'time allowed to one delivery attempt (connect and answer)'),
    retryBaseMs: ms('WEBHOOK_RETRY_BASE_MS', 1000, [10, 3600000], "the first retry's delay; each next one doubles it"),
    disableAfterFailures: int('WEBHOOK_DISABLE_AFTER_FAILURES', 5, [1, 1000], 'deliveries in a row that fail every attempt before the webhook is disabled'),
    pollMs: ms('WEBHOOK_POLL_MS', 500, [10, 60000], 'how often the delivery worker looks for due deliveries when no event woke it'),
    wakeOnCommit: flag('WEBHOOK_WAKE_ON_COMMIT', true, 'first attempt right after the fan-out commits (`false`: the poll only)'),
  },
  smtp: when((env) => !!env.SMTP_HOST, smtpSpec, null),
  emailTranscriptionWaitMs: ms('EMAIL_TRANSCRIPTION_WAIT_MS', 120000, [0, 3600000], 'how long an e-mail waits for the transcription when the box transcribes and has `include_transcription_on_notify`, then goes without (`0`: never waits)'),
  messageTimeoutMs: ms('NOTIFICATION_COMMAND_TIMEOUT_MS', 60000, [100, 600000], "time allowed to message-service's commands (the audio of a voicemail e-mail)"),
};

export const notificationChecks: Check[] = [
  ({ env }) =>
    env.SMTP_HOST && !env.SMTP_USER !== !env.SMTP_PASSWORD
      ? 'SMTP_USER and SMTP_PASSWORD are set together or not at all'
      : undefined,
];
