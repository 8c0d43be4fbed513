// Media documents (Kazoo's `media` API): named greetings and prompts of an account, each pointing at the
// audio object media-storage-service holds; a greeting may belong to one box (the Yeastar file greetings).
import { IsIn, IsOptional, Matches } from 'class-validator';
import { Nested, Text } from './rules';
import { Actor, TenantCommand } from './commands';
import { HEX_ID } from './kazoo';
import { AudioFacts, type AudioFormat } from './media';

export const MEDIA_DOCUMENT_KINDS = ['greeting', 'prompt'] as const;
export type MediaDocumentKind = (typeof MEDIA_DOCUMENT_KINDS)[number];

/** The greetings a box plays, as Kazoo's vmbox `media` keys name them. */
export const GREETING_TYPES = ['unavailable', 'busy', 'name', 'temporary'] as const;
export type GreetingType = (typeof GREETING_TYPES)[number];

/** A stored name: the base name a client gave, at most this long. */
export const MAX_MEDIA_NAME = 128;

/** Printable, no path separators, no control characters, not `.`/`..`. */
// control characters are exactly what the rule refuses
// eslint-disable-next-line no-control-regex
export const MEDIA_NAME = /^(?!\.{1,2}$)[^\x00-\x1f\x7f/\\]{1,128}$/;

export class MediaDocumentFields {
  @IsOptional() @Text(MAX_MEDIA_NAME, 1) @Matches(MEDIA_NAME) name?: string;
  @IsOptional() @Text(1024) description?: string;
  @IsOptional() @IsIn(['upload']) media_source?: 'upload';
  @IsOptional() @IsIn(MEDIA_DOCUMENT_KINDS) kind?: MediaDocumentKind;
}

export class CreateMediaDocumentCommand extends TenantCommand {
  @Nested(() => MediaDocumentFields) doc: MediaDocumentFields;
  /**
   * The box a greeting is made for (the Kazoo greetings route): its owner, a user, may create it and
   * upload its audio; recorded on the document.
   */
  @IsOptional() @Matches(HEX_ID) forVmboxId?: string;
}

export class MediaDocumentIdCommand extends TenantCommand {
  @Matches(HEX_ID, { message: 'id must be 32 lowercase hex characters' }) id: string;
}

export class UpdateMediaDocumentCommand extends MediaDocumentIdCommand {
  @Nested(() => MediaDocumentFields) doc: MediaDocumentFields;
}

export class ListMediaDocumentsCommand extends TenantCommand {
  /** Only the file greetings of this box (the Yeastar lists). */
  @IsOptional() @Matches(HEX_ID) vmboxId?: string;
}

/** Binds a finished upload (a media-storage ticket) to a document; the previous audio is deleted. */
export class AttachMediaDocumentCommand extends MediaDocumentIdCommand {
  @Matches(HEX_ID) uploadId: string;
  /** What the gateway measured of the upload (media-storage then verifies it cheaply). */
  @IsOptional() @Nested(() => AudioFacts) facts?: AudioFacts;
}

/** A prompt named by a client: its media id, or its name (an Onbuka `fileId` such as `1202...e.mp3`). */
export class ResolvePromptCommand extends TenantCommand {
  @Text(256, 1) fileId: string;
}

/** A named file greeting of a box (Yeastar): `find` by name, `store` adds or overwrites by name. */
export class BoxGreetingCommand extends TenantCommand {
  @Matches(HEX_ID) vmboxId: string;
  @Text(MAX_MEDIA_NAME, 1) @Matches(MEDIA_NAME) name: string;
}

export class StoreBoxGreetingCommand extends BoxGreetingCommand {
  @Matches(HEX_ID) uploadId: string;
  @IsOptional() @Nested(() => AudioFacts) facts?: AudioFacts;
}

/** A signed play link names the object only: no caller credential, the signature is the authority. */
export class MediaDocumentAudioCommand {
  @Matches(HEX_ID) tenantId: string;
  @Matches(HEX_ID) id: string;
  @IsOptional() @Nested(() => Actor) actor?: Actor;
}

/** A media document as Kazoo's media API answers it. */
export interface MediaDocument {
  id: string;
  name: string;
  description?: string;
  media_source: 'upload';
  kind: MediaDocumentKind;
  /** Set once audio is uploaded. */
  content_type?: string;
  format?: AudioFormat;
  size?: number;
  duration_ms?: number;
  /** The box a file greeting belongs to (Yeastar), absent otherwise. */
  vmbox_id?: string;
  created: number;
  updated: number;
  uploaded_at?: string;
}

/** One greeting a box refers to, with what media-storage knows of its audio. */
export interface BoxGreeting {
  /**
   * The situation the box plays it in (`media.*`), or `file`: a greeting file of the box uploaded through
   * the Yeastar face, listed so every face shows the box's greetings (played only once `media.*` names it).
   */
  type: GreetingType | 'file';
  media_id: string;
  file: string;
  /** The greeting callers hear for this situation: `temporary` overrides the others while it is set. */
  active: boolean;
  format?: AudioFormat;
  content_type?: string;
  size?: number;
  duration_ms?: number;
  uploaded_at?: string;
}

export interface VmboxGreetingsReply {
  vmbox_id: string;
  greetings: BoxGreeting[];
}

export interface VmboxRef {
  id: string;
  name: string;
  mailbox: string;
}

/** The JSON schema of the media document a client writes (the gateway keeps these fields, ignores others). */
export const MediaDocumentRequestSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    media_source: { enum: ['upload'] },
    kind: { enum: ['greeting', 'prompt'] },
    type: {
      type: 'string',
      description: '`greeting` or `prompt` stand for `kind`; anything else is ignored',
    },
  },
} as const;

/** The JSON schema of MediaDocument as the gateway answers it (OpenAPI). */
export const MediaDocumentSchema = {
  type: 'object',
  required: ['id', 'name', 'media_source', 'kind', 'created', 'updated'],
  properties: {
    id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    name: { type: 'string' },
    description: { type: 'string' },
    media_source: { const: 'upload' },
    kind: { enum: ['greeting', 'prompt'] },
    content_type: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'integer', minimum: 0 },
    duration_ms: { type: 'integer', minimum: 0 },
    vmbox_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    uploaded_at: { type: 'string' },
    _read_only: {
      type: 'object',
      properties: { deleted: { const: true } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** The JSON schema of BoxGreeting (OpenAPI). */
export const BoxGreetingSchema = {
  type: 'object',
  required: ['type', 'media_id', 'file', 'active'],
  properties: {
    type: { enum: [...GREETING_TYPES, 'file'] },
    media_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    file: { type: 'string' },
    active: { type: 'boolean' },
    format: { type: 'string' },
    content_type: { type: 'string' },
    size: { type: 'integer', minimum: 0 },
    duration_ms: { type: 'integer', minimum: 0 },
    uploaded_at: { type: 'string' },
  },
  additionalProperties: false,
} as const;
