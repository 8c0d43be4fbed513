// Typed configuration read from the environment once at start; a bad value stops the app with one line.
// Each app's schema is in apps/<app>.ts, made of the shared pieces in shared.ts; a config type is inferred
// from its schema, never written twice. How to add a variable: README, "Configuration".
import type { MediaKind } from '@voxmail/contracts';
import { argon2Spec, mailboxSpec } from './apps/mailbox-service';
import { fairnessSpec, flexisipSpec, gatewayChecks, gatewaySpec, yeastarSpec } from './apps/api-gateway';
import { dialerSettingsSpec, dialerSpec, type Clock } from './apps/broadcast-dialer-service';
import { mediaSettingsSpec, mediaSpec, transcodeSpec } from './apps/media-storage-service';
import { messageSettingsSpec, messageSpec } from './apps/message-service';
import { notificationChecks, notificationSpec, smtpSpec } from './apps/notification-service';
import { openAiSpec, transcriptionSpec } from './apps/transcription-service';
import { ConfigError, readSpec, type Check, type Env, type Infer, type Spec } from './schema';
import { common, s3, service } from './shared';

export { ConfigError } from './schema';
export { DEFAULT_HEALTH_PORTS, type TokenKey } from './shared';
export type { Clock } from './apps/broadcast-dialer-service';

export type CommonConfig = Infer<typeof common>;
export type ServiceConfig = Infer<typeof service>;

export type GatewayConfig = Infer<typeof gatewaySpec>;
export type GatewayFairness = Infer<typeof fairnessSpec>;
export type YeastarSettings = Infer<typeof yeastarSpec>;
export type FlexisipSettings = Infer<typeof flexisipSpec>;

export type MailboxConfig = Infer<typeof mailboxSpec>;
export type Argon2Limits = Infer<typeof argon2Spec>;

export type S3Config = Infer<typeof s3>;
export type MediaConfig = Infer<typeof mediaSpec>;
/** media-storage-service settings beyond the object store; `maxBytes` per media kind. */
export type MediaSettings = Infer<typeof mediaSettingsSpec> & { maxBytes: Record<MediaKind, number> };
export type TranscodeLimits = Infer<typeof transcodeSpec>;

export type MessageConfig = Infer<typeof messageSpec>;
export type MessageSettings = Infer<typeof messageSettingsSpec>;

/** broadcast-dialer-service settings; `idClock` (the clock voiceIds are stamped with) is set by tests only. */
export type DialerSettings = Infer<typeof dialerSettingsSpec> & { idClock?: Clock };
export type DialerConfig = Omit<Infer<typeof dialerSpec>, 'dialer'> & { dialer: DialerSettings };

export type NotificationConfig = Infer<typeof notificationSpec>;
export type SmtpConfig = Infer<typeof smtpSpec>;

export type TranscriptionConfig = Infer<typeof transcriptionSpec>;
export type OpenAiTranscriptionConfig = Infer<typeof openAiSpec>;

/** One app's schema: its registry name, its variables, and the rules over several of them. */
export interface AppSchema<S extends Spec = Spec> {
  app: string;
  spec: S;
  checks?: Check[];
}

const schema = <S extends Spec>(app: string, spec: S, checks?: Check[]): AppSchema<S> => ({
  app,
  spec,
  checks,
});

/**
 * Each app's schema, by its registry name (libs/contracts/src/services.json): an app with its own
 * settings adds its schema here; any other service gets the common service schema.
 */
export const APP_SCHEMAS: Record<string, AppSchema> = {
  'api-gateway': schema('api-gateway', gatewaySpec, gatewayChecks),
  'mailbox-service': schema('mailbox-service', mailboxSpec),
  'media-storage-service': schema('media-storage-service', mediaSpec),
  'message-service': schema('message-service', messageSpec),
  'broadcast-dialer-service': schema('broadcast-dialer-service', dialerSpec),
  'notification-service': schema('notification-service', notificationSpec, notificationChecks),
  'transcription-service': schema('transcription-service', transcriptionSpec),
};

/** The schema of the app the registry names `appName`. */
export function schemaOf(appName: string): AppSchema {
  return APP_SCHEMAS[appName] ?? schema(appName, service);
}

const load = <S extends Spec>(s: AppSchema<S>, env: Env) => readSpec(s.spec, env, s.app, s.checks);

export function loadServiceConfig(serviceName: string, env: Env = process.env): ServiceConfig {
  return readSpec(service, env, serviceName);
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return load(APP_SCHEMAS['api-gateway'] as AppSchema<typeof gatewaySpec>, env);
}
export const loadGatewayFairness = (env: Env): GatewayFairness => readSpec(fairnessSpec, env, 'api-gateway');
export const loadYeastarSettings = (env: Env): YeastarSettings => readSpec(yeastarSpec, env, 'api-gateway');
export const loadFlexisipSettings = (env: Env): FlexisipSettings =>
  readSpec(flexisipSpec, env, 'api-gateway');

export function loadMailboxConfig(env: Env = process.env): MailboxConfig {
  return load(APP_SCHEMAS['mailbox-service'] as AppSchema<typeof mailboxSpec>, env);
}

export const loadS3Config = (env: Env = process.env): S3Config => readSpec(s3, env, 'media-storage-service');
export function loadMediaConfig(env: Env = process.env): MediaConfig {
  return load(APP_SCHEMAS['media-storage-service'] as AppSchema<typeof mediaSpec>, env);
}
export const loadMediaSettings = (env: Env): MediaSettings =>
  readSpec(mediaSettingsSpec, env, 'media-storage-service');

export function loadMessageConfig(env: Env = process.env): MessageConfig {
  return load(APP_SCHEMAS['message-service'] as AppSchema<typeof messageSpec>, env);
}
export const loadMessageSettings = (env: Env): MessageSettings =>
  readSpec(messageSettingsSpec, env, 'message-service');

export function loadDialerConfig(env: Env = process.env): DialerConfig {
  return load(APP_SCHEMAS['broadcast-dialer-service'] as AppSchema<typeof dialerSpec>, env);
}
export function loadDialerSettings(env: Env = process.env): DialerSettings {
  return readSpec(dialerSettingsSpec, env, 'broadcast-dialer-service');
}

export function loadNotificationConfig(env: Env = process.env): NotificationConfig {
  return load(APP_SCHEMAS['notification-service'] as AppSchema<typeof notificationSpec>, env);
}

export function loadTranscriptionConfig(env: Env = process.env): TranscriptionConfig {
  return load(APP_SCHEMAS['transcription-service'] as AppSchema<typeof transcriptionSpec>, env);
}

/** The validated config of the app the registry names `appName`. */
export function loadAppConfig(appName: string, env: Env = process.env): CommonConfig {
  return load(schemaOf(appName), env) as CommonConfig;
}

/** Loads configuration or exits the process with one clear line naming the variable. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`configuration error: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}
