import type { MediaConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { serviceStarter } from '@voxmail/messaging';
import { MediaModule } from './media.module';

export const startMediaService = serviceStarter<MediaConfig>(MediaModule, QUEUE_GROUPS.media);
