// message-service settings beyond the common ones, read from the environment once at start.
import { envNumber as num } from '@voxmail/config';

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

export function loadMessageSettings(env: Record<string, string | undefined> = process.env): MessageSettings {
  return {
    deletedRetentionDays: num(env, 'MESSAGE_DELETED_RETENTION_DAYS', 30, 0, 3650),
    sweepIntervalMs: num(env, 'MESSAGE_SWEEP_INTERVAL_MS', 60000, 50, 86400000),
    vmboxTimeoutMs: num(env, 'VMBOX_COMMAND_TIMEOUT_MS', 5000, 100, 120000),
    mediaTimeoutMs: num(env, 'MEDIA_COMMAND_TIMEOUT_MS', 60000, 100, 600000),
  };
}
