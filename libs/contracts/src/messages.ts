// Voicemail messages: the Kazoo message document, its ids, and the message-service commands.
import { randomBytes } from 'node:crypto';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { TenantCommand } from './commands';
import { fromGregorian, HEX_ID, JsonObject, withoutReservedKeys } from './kazoo';
import { ListQuery } from './list-query';
import { AudioFacts, TRANSCODE_TARGETS, TranscodeTarget } from './media';
import { validateDocument } from './validation';

/** `YYYYMM-<32 hex>`: the month the message was left, then a random id; also the message's `media_id`. */
export const MESSAGE_ID = /^\d{6}-[0-9a-f]{32}$/;

export const MESSAGE_FOLDERS = ['new', 'saved', 'deleted'] as const;
export type MessageFolder = (typeof MESSAGE_FOLDERS)[number];
/** Folders a client may put a message in by a folder change; `deleted` is reached by DELETE. */
export const VISIBLE_FOLDERS = ['new', 'saved'] as const;

/** At most this many ids in one bulk request. */
export const MAX_BULK_MESSAGES = 1000;

export function newMessageId(gregorianSeconds: number): string {
  const d = fromGregorian(gregorianSeconds);
  const month = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`
    .padStart(6, '0')
    .slice(-6);
  return `${month}-${randomBytes(16).toString('hex')}`;
}

export function isMessageId(v: unknown): v is string {
  return typeof v === 'string' && MESSAGE_ID.test(v);
}

const str = (max: number) => ({ type: 'string', minLength: 0, maxLength: max });

/** The message metadata a client may send; `length` and `media_id` are the server's. Custom keys are kept. */
export const MessageSchema = {
  type: 'object',
  properties: {
    timestamp: { type: 'integer', minimum: 62167219200, maximum: 64000000000 },
    from: str(256),
    to: str(256),
    caller_id_number: str(64),
    caller_id_name: str(128),
    call_id: str(256),
    folder: { type: 'string', enum: VISIBLE_FOLDERS },
    transcription: {
      type: 'object',
      properties: { result: str(64), text: str(65536) },
    },
  },
} as const;

/** Keys of a message document the server sets, whatever the client sends. */
export const SERVER_MESSAGE_KEYS = ['length', 'media_id', 'id', 'source_id', 'folder'] as const;

/**
 * A message's metadata as a client sends it, checked against the schema; server-owned keys are dropped.
 * message-service applies it on every deposit; the gateway also checks a multipart deposit's JSON part
 * with it as soon as it is read, before any audio is taken.
 */
export function messageMetadataOf(input: JsonObject): JsonObject {
  const doc = validateDocument(MessageSchema, withoutReservedKeys(input));
  for (const k of SERVER_MESSAGE_KEYS) if (k !== 'folder') delete doc[k];
  return doc;
}

export class VmboxCommand extends TenantCommand {
  @Matches(HEX_ID, { message: 'vmboxId must be 32 lowercase hex characters' }) vmboxId: string;
}

export class MessageIdCommand extends VmboxCommand {
  @Matches(MESSAGE_ID, { message: 'id must look like YYYYMM-<32 hex>' }) id: string;
}

export class CreateMessageCommand extends VmboxCommand {
  @IsObject() doc: JsonObject;
  /**
   * Multipart create: the upload the gateway reserved (media-storage's ticket); the commit names the new
   * message its owner (a voicemail slot's upload already has its message id).
   */
  @IsOptional() @Matches(HEX_ID) uploadId?: string;
  /** The gateway's measurement of that upload, so the commit need not read it back. */
  @IsOptional() @ValidateNested() @Type(() => AudioFacts) facts?: AudioFacts;
}

export class ListMessagesCommand extends VmboxCommand {
  @ValidateNested()
  @Type(() => ListQuery)
  query: ListQuery;
  /** `?folder=`; without it every folder but `deleted` is listed. */
  @IsOptional() @IsIn(MESSAGE_FOLDERS as unknown as string[]) folder?: MessageFolder;
  /** Whether the client chose the order (`ascending`/`descending`); else the box's `oldest_message_first` does. */
  @IsOptional() @IsBoolean() explicitOrder?: boolean;
  /** `?q=`: full-text search of transcription and caller id, best match first (see SearchMessagesCommand). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) q?: string;
}

/** `source_id`: a box id (move) or a list of box ids (copy). */
export function isSourceId(v: unknown): boolean {
  return (
    (typeof v === 'string' && HEX_ID.test(v)) ||
    (Array.isArray(v) &&
      v.length >= 1 &&
      v.length <= 50 &&
      v.every((x) => typeof x === 'string' && HEX_ID.test(x)))
  );
}

const IsSourceId = () =>
  ValidateBy({
    name: 'sourceId',
    validator: {
      validate: isSourceId,
      defaultMessage: () => 'source_id must be a box id or a list of box ids',
    },
  });

export class ChangeMessageCommand extends MessageIdCommand {
  @IsOptional() @IsIn(VISIBLE_FOLDERS as unknown as string[]) folder?: 'new' | 'saved';
  @IsOptional() @IsSourceId() sourceId?: string | string[];
}

export class BulkChangeMessagesCommand extends VmboxCommand {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_MESSAGES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  messages: string[];
  @IsOptional() @IsIn(VISIBLE_FOLDERS as unknown as string[]) folder?: 'new' | 'saved';
  @IsOptional() @IsSourceId() sourceId?: string | string[];
}

export class BulkDeleteMessagesCommand extends VmboxCommand {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_BULK_MESSAGES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  messages?: string[];
  @IsOptional() @IsIn(MESSAGE_FOLDERS as unknown as string[]) folder?: MessageFolder;
}

/** An upload for an existing message (`PUT .../raw`); a multipart create reserves with media-storage. */
export class BeginUploadCommand extends VmboxCommand {
  @Matches(MESSAGE_ID) id: string;
}

export class AttachMediaCommand extends MessageIdCommand {
  @Matches(HEX_ID) uploadId: string;
  /** The gateway's measurement of that upload, so the commit need not read it back. */
  @IsOptional() @ValidateNested() @Type(() => AudioFacts) facts?: AudioFacts;
}

export class AbortUploadCommand extends VmboxCommand {
  @Matches(HEX_ID) uploadId: string;
}

export class MessageAudioCommand extends MessageIdCommand {
  @IsOptional() @IsIn(TRANSCODE_TARGETS as unknown as string[]) format?: TranscodeTarget;
}

export class ArchiveMessagesCommand extends VmboxCommand {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_MESSAGES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  messages: string[];
}

/** `{"succeeded": [...], "failed": [{"<id>": "<reason>"}]}`, as Kazoo answers bulk calls. */
export interface BulkResult {
  succeeded: string[];
  failed: Record<string, string>[];
}

/** BeginUpload's reply: the data-plane ticket plus the message id the audio will belong to. */
export interface MessageUploadTicket {
  messageId: string;
  uploadId: string;
  url: string;
  maxBytes: number;
  expiresAt: string;
}

/** One ZIP entry: a readable file name and where to read its bytes. */
export interface ArchiveEntry {
  id: string;
  name: string;
  url: string;
  size: number;
  content_type: string;
}

/** Reply of a message's audio: where to read it and what it is. */
export interface MessageAudio {
  url: string;
  content_type: string;
  size: number;
  format: string;
  name: string;
}

/**
 * A message document as message-service answers it (OpenAPI): the metadata, the server's keys (`media_id`
 * is its id, `length` in milliseconds) and any custom key a client sent.
 */
export const MessageDocSchema = {
  type: 'object',
  required: ['media_id'],
  properties: {
    ...MessageSchema.properties,
    folder: { type: 'string', enum: MESSAGE_FOLDERS },
    media_id: { type: 'string', pattern: MESSAGE_ID.source },
    length: { type: 'integer', minimum: 0 },
    source_id: { type: 'string' },
  },
} as const;

/** The body of a bulk change or delete: the messages, and a folder or the box(es) to move/copy them from. */
export const MessageBulkSchema = {
  type: 'object',
  properties: {
    messages: { type: 'array', items: { type: 'string', pattern: MESSAGE_ID.source } },
    folder: { type: 'string', enum: VISIBLE_FOLDERS },
    source_id: {
      oneOf: [
        { type: 'string', pattern: '^[0-9a-f]{32}$' },
        { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
      ],
    },
  },
} as const;

/** What a bulk change or delete answers: the ids done, and those refused with why. */
export const BulkResultSchema = {
  type: 'object',
  required: ['succeeded', 'failed'],
  properties: {
    succeeded: { type: 'array', items: { type: 'string' } },
    failed: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  additionalProperties: false,
} as const;
