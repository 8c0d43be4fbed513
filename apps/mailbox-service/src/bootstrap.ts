import type { MailboxConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { MailboxModule } from './mailbox.module';

export function startMailboxService(
  config: MailboxConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(MailboxModule.register(config) as never, config, QUEUE_GROUPS.mailbox, opts);
}
