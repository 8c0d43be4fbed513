// Background work of media-storage: following message events (claims, deletions) and sweeping orphans.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import {
  EVENT_SUBJECT_PREFIX,
  EventEnvelope,
  EventTypes,
  isHexId,
  MessageEventData,
} from '@voxmail/contracts';
import {
  EventConsumer,
  inBatches,
  MessagingLifecycle,
  NATS_CONNECTION,
  PeriodicTask,
} from '@voxmail/messaging';
import { EntityManager } from 'typeorm';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { MEDIA_SCHEMA } from '../tokens';
import { MediaService } from './media.service';

@Injectable()
export class MediaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MediaLifecycle.name);
  private readonly sweeper = new PeriodicTask(
    'sweep',
    () => inBatches(() => this.media.sweepAbandoned(), 200),
    this.log,
  );

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly media: MediaService,
    @Inject(MEDIA_SETTINGS) private readonly settings: MediaSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const types = [
      EventTypes.MessageCreated,
      EventTypes.MessageCopied,
      EventTypes.MessageMediaStored,
      EventTypes.MessageDeleted,
    ];
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        MEDIA_SCHEMA,
        {
          durable: 'media-storage-message-events',
          filterSubjects: types.map((t) => `${EVENT_SUBJECT_PREFIX}.*.${t}`),
        },
        (event, m) => this.onMessageEvent(event, m),
      ),
    );
    this.sweeper.start(this.settings.sweepIntervalMs);
  }

  /** A message holding an object claims it; a replaced or purged message's object is deleted. */
  async onMessageEvent(event: EventEnvelope, m: EntityManager): Promise<void> {
    // consumers check what they rely on: the registry's type is the producer's promise, not a guarantee
    const d = event.data as Partial<MessageEventData>;
    const objectId = isHexId(d.media_object_id) ? d.media_object_id : undefined;
    switch (event.type) {
      case EventTypes.MessageCreated:
      case EventTypes.MessageCopied:
        if (objectId) await this.media.claim(m, event.tenantId, objectId);
        break;
      case EventTypes.MessageMediaStored:
        if (objectId) await this.media.claim(m, event.tenantId, objectId);
        if (isHexId(d.replaced_object_id))
          await this.media.deleteObject(m, event.tenantId, d.replaced_object_id, 'replaced');
        break;
      case EventTypes.MessageDeleted:
        if (objectId && d.purged === true)
          await this.media.deleteObject(m, event.tenantId, objectId, 'message_deleted');
        break;
    }
  }

  sweep(): Promise<number> {
    return this.sweeper.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweeper.stop();
  }
}
