// message-service: messages, folders, retention, MWI. Add a variable: one line in `messageSettingsSpec`.
import { mediaTimeoutMs, service, vmboxTimeoutMs } from '../shared';
import { ms, num } from '../schema';

// prettier-ignore
export const messageSettingsSpec = {
  deletedRetentionDays: num('MESSAGE_DELETED_RETENTION_DAYS', 30, [0, 3650], 'days the `deleted` folder keeps a message when neither box nor account says'),
  sweepIntervalMs: ms('MESSAGE_SWEEP_INTERVAL_MS', 60000, [50, 86400000], 'how often expired deleted messages are purged'),
  searchRankedMatches: num('MESSAGE_SEARCH_RANKED_MATCHES', 1000, [1, 100000], 'a search (`?q=`) ranks the newest this many matches best first; older matches follow, newest first'),
  vmboxTimeoutMs,
  mediaTimeoutMs,
};

export const messageSpec = {
  ...service,
  message: messageSettingsSpec,
};
