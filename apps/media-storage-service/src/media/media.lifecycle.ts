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
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION } from '@voxmail/messaging';
import { EntityManager } from 'typeorm';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { MEDIA_SCHEMA } from '../tokens';
import { MediaService } from './media.service';

@Injectable()
export class MediaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MediaLifecycle.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

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
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
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

  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = (async () => {
      let total = 0;
      for (;;) {
        const n = await this.media.sweepAbandoned();
        total += n;
        if (n < 200) return total;
      }
    })();
    try {
      return await this.sweeping;
    } catch (e) {
      this.log.warn(`sweep failed: ${(e as Error).message}`);
      return 0;
    } finally {
      this.sweeping = undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }
}
