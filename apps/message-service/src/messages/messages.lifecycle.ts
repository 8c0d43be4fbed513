// Background work of message-service: the retention sweeper (its consumers are in *.consumers.ts).
import { inBatches, Sweeper } from '@voxmail/messaging';
import { MESSAGE_SETTINGS } from '../settings';
import { DeletionService } from './deletion.service';

/** Every `sweepIntervalMs`: purges deleted messages past their retention, batch by batch. */
export class MessagesLifecycle extends Sweeper({
  name: 'sweep',
  of: DeletionService,
  settings: MESSAGE_SETTINGS,
  work: (deletion) => inBatches(() => deletion.purgeExpired(), 500),
}) {}
