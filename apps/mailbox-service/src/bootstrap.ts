import type { MailboxConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { serviceStarter } from '@voxmail/messaging';
import { MailboxModule } from './mailbox.module';

export const startMailboxService = serviceStarter<MailboxConfig>(MailboxModule, QUEUE_GROUPS.mailbox);
