// Background work of message-service: the retention sweeper (its consumers are in *.consumers.ts).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { inBatches, PeriodicTask } from '@voxmail/messaging';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { DeletionService } from './deletion.service';

@Injectable()
export class MessagesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MessagesLifecycle.name);
  private readonly sweeper = new PeriodicTask(
    'sweep',
    () => inBatches(() => this.deletion.purgeExpired(), 500),
    this.log,
  );

  constructor(
    private readonly deletion: DeletionService,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper.start(this.settings.sweepIntervalMs);
  }

  /** One sweep: purges deleted messages past their retention, batch by batch. */
  sweep(): Promise<number> {
    return this.sweeper.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweeper.stop();
  }
}
