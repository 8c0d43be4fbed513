// message-service settings beyond the common ones, read from the environment once at start.
import { ConfigError } from '@voxmail/config';

export const MESSAGE_SETTINGS = Symbol('MESSAGE_SETTINGS');

export interface MessageSettings {
  /** Days a soft-deleted message stays in the `deleted` folder when neither box nor account says. */
  deletedRetentionDays: number;
  /** How often the sweeper purges expired deleted messages. */
  sweepIntervalMs: number;
  /** Time allowed to mailbox-service (box lookups). */
  vmboxTimeoutMs: number;
  /** Time allowed to media-storage (reading an upload back, transcoding). */
  mediaTimeoutMs: number;
}

function num(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return n;
}

export function loadMessageSettings(env: Record<string, string | undefined> = process.env): MessageSettings {
  return {
    deletedRetentionDays: num(env, 'MESSAGE_DELETED_RETENTION_DAYS', 30, 0, 3650),
    sweepIntervalMs: num(env, 'MESSAGE_SWEEP_INTERVAL_MS', 60000, 50, 86400000),
    vmboxTimeoutMs: num(env, 'VMBOX_COMMAND_TIMEOUT_MS', 5000, 100, 120000),
    mediaTimeoutMs: num(env, 'MEDIA_COMMAND_TIMEOUT_MS', 60000, 100, 600000),
  };
}
