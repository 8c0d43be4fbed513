// How a message looks to clients and in results: its Kazoo document, reply, audio file name, bulk reasons.
import { DocReply, DomainError, ErrorCode, JsonObject, revisionOf } from '@voxmail/contracts';
import { MessageEntity } from './message.entity';

export type MessageView = JsonObject & { media_id: string };

/** The Kazoo message document a client sees. */
export function messageView(e: MessageEntity): MessageView {
  return { ...e.doc, media_id: e.id };
}

export function messageReply(e: MessageEntity): DocReply {
  return { doc: { ...messageView(e), id: e.id }, revision: revisionOf(e.id, e.version) };
}

/** A readable, unique file name for a message's audio: when, from whom, and the id's tail. */
export function audioFileName(e: MessageEntity, format: string): string {
  const when = new Date((e.ts - 62167219200) * 1000)
    .toISOString()
    .slice(0, 19)
    .replace('T', '_')
    .replace(/:/g, '-');
  const from = String(e.doc.caller_id_number || e.doc.caller_id_name || 'unknown')
    .replace(/[^A-Za-z0-9+@._-]/g, '_')
    .slice(0, 40);
  return `${when}_${from}_${e.id.slice(-8)}.${format}`;
}

export const notFound = () => DomainError.notFound('bad identifier');

/** Reason strings of a bulk result, as Kazoo reports them (`not_found`, ...). */
export function reasonOf(e: unknown): string {
  if (e instanceof DomainError) return e.code === ErrorCode.ValidationFailed ? 'invalid_data' : e.code;
  return 'internal_error';
}
