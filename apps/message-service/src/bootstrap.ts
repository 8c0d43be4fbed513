import type { MessageConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { serviceStarter } from '@voxmail/messaging';
import { MessageModule } from './message.module';

export const startMessageService = serviceStarter<MessageConfig>(MessageModule, QUEUE_GROUPS.message);
