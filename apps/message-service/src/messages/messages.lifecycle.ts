// Background work of message-service: purging the messages of deleted boxes, and the retention sweeper.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { EVENT_SUBJECT_PREFIX, EventTypes } from '@voxmail/contracts';
import {
  EventConsumer,
  inBatches,
  MessagingLifecycle,
  NATS_CONNECTION,
  PeriodicTask,
} from '@voxmail/messaging';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { MESSAGE_SCHEMA } from '../tokens';
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
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly deletion: DeletionService,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        MESSAGE_SCHEMA,
        {
          durable: 'message-service-mailbox-deleted',
          filterSubjects: [`${EVENT_SUBJECT_PREFIX}.*.${EventTypes.MailboxDeleted}`],
        },
        async (event, m) => {
          const box = event.data as { id?: unknown };
          const vmboxId = typeof box.id === 'string' ? box.id : event.aggregateId;
          const n = await this.deletion.purgeBox(m, event.tenantId, vmboxId);
          if (n) this.log.log(`purged ${n} messages of deleted box ${vmboxId}`);
        },
      ),
    );
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
