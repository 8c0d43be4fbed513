// What media-storage reads from the event stream: the message events that claim an object or free it,
// and the account's `max_storage_bytes` (its copy, which StorageQuota checks a commit against).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataOf, Events, EventTypes, isHexId, MessageEventData } from '@voxmail/contracts';
import { HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { MediaService } from './media.service';

const MESSAGE_EVENTS = { durable: 'media-storage-message-events' };

@Injectable()
export class MediaConsumers {
  constructor(private readonly media: MediaService) {}

  /** A message holding an object claims it; a replaced or purged message's object is deleted. */
  @HandleEvent(
    [Events.MessageCreated, Events.MessageCopied, Events.MessageMediaStored, Events.MessageDeleted],
    MESSAGE_EVENTS,
  )
  async messageEvent(event: ReceivedEvent<MessageEventData>, m: EntityManager): Promise<void> {
    const d = event.data;
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

  /** The account's storage limit; an older event than the one applied changes nothing. */
  @HandleEvent(Events.AccountLimitsUpdated, { durable: 'media-limits', perDatabase: true })
  async accountLimitsUpdated(
    e: ReceivedEvent<DataOf<typeof Events.AccountLimitsUpdated>>,
    m: EntityManager,
  ): Promise<void> {
    if (!isHexId(e.tenantId)) return;
    const v = e.data.max_storage_bytes;
    const max = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
    await m.query(
      `INSERT INTO media.account_limits (tenant_id, max_storage_bytes, occurred_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET max_storage_bytes = EXCLUDED.max_storage_bytes,
              occurred_at = EXCLUDED.occurred_at
           WHERE media.account_limits.occurred_at <= EXCLUDED.occurred_at`,
      [e.tenantId, max, e.occurredAt],
    );
  }
}
