// The stack of the suites around notification-service (webhooks, e-mail, the event contract).
import { Stack } from '@voxmail/testing';
import { EMAIL_DURABLE, WEBHOOK_FANOUT_DURABLE } from '../../apps/notification-service/src/bootstrap';
import { useStack } from './fixture';

export const NOTIFICATION_APPS = ['mailbox', 'message', 'media', 'notification', 'gateway'];

/**
 * The suite's stack with notification-service, started with `env` (or what `env` answers right before the
 * start). notification-service resumes the durable consumers an earlier suite's instance left: the start
 * waits until it worked through that backlog (in a full run thousands of events from the suites without
 * notification-service; a loaded 2-core machine handles some 50 a second with every app in this process).
 */
export function useNotificationStack(env: Record<string, string> | (() => Record<string, string>)): Stack {
  return useStack(NOTIFICATION_APPS, { env, caughtUp: () => [WEBHOOK_FANOUT_DURABLE, EMAIL_DURABLE] });
}
