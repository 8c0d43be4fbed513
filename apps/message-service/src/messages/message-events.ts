// The events message-service publishes, built from the event registry.
import {
  EventDef,
  Events,
  MessageEventData,
  MwiUpdatedData,
  newEvent,
  JsonObject,
  NewEvent,
} from '@voxmail/contracts';
import { MessageEntity } from './message.entity';
import { messageView } from './message-views';
import { BoxCounts } from './messages.repository';

export function messageEvent(
  def: EventDef<string, MessageEventData>,
  e: MessageEntity,
  extra: Partial<MessageEventData> = {},
): NewEvent<MessageEventData> {
  return newEvent(def, {
    tenantId: e.tenantId,
    aggregateId: e.id,
    data: {
      ...messageView(e),
      id: e.id,
      vmbox_id: e.vmboxId,
      media_object_id: e.media?.object_id ?? null,
      ...extra,
    },
  });
}

/**
 * A message's audio stored. `transcribe` says whether its box transcribes (the account's
 * `transcription.enabled` over the box's `transcribe`), so transcription-service queues only those; it is
 * left out when message-service does not know the account yet (transcription-service then asks at run time).
 */
export function mediaStoredEvent(
  e: MessageEntity,
  replaced: string | null,
  transcribe: boolean | null,
): NewEvent<MessageEventData> {
  return messageEvent(Events.MessageMediaStored, e, {
    replaced_object_id: replaced,
    media: e.media as unknown as JsonObject,
    ...(transcribe === null ? {} : { transcribe }),
  });
}

/** The box's message-waiting counts after a change: the PBX lamp and the vmbox list's `messages`. */
export function mwiEvent(tenantId: string, vmboxId: string, c: BoxCounts): NewEvent<MwiUpdatedData> {
  return newEvent(Events.MwiUpdated, {
    tenantId,
    aggregateId: vmboxId,
    data: { vmbox_id: vmboxId, new: c.new, saved: c.saved },
  });
}
