// Background work of message-service: the retention sweeper (its consumers are in *.consumers.ts).
import { Inject, Injectable } from '@nestjs/common';
import { inBatches, SweeperLifecycle } from '@voxmail/messaging';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { DeletionService } from './deletion.service';

@Injectable()
export class MessagesLifecycle extends SweeperLifecycle {
  constructor(
    private readonly deletion: DeletionService,
    @Inject(MESSAGE_SETTINGS) settings: MessageSettings,
  ) {
    super('sweep', settings.sweepIntervalMs);
  }

  /** One sweep: purges deleted messages past their retention, batch by batch. */
  protected work(): Promise<number> {
    return inBatches(() => this.deletion.purgeExpired(), 500);
  }
}
