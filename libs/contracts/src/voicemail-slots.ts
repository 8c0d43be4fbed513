// Commands of voicemail slots (the Flexisip face): a slot is a pending deposit into the box a user owns.
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { Int, Nested, Text } from './rules';
import { TenantCommand } from './commands';
import { HEX_ID } from './kazoo';
import { AudioFacts, type AudioFormat, type UploadTicket } from './media';

/** The two audio types a slot may declare (the document's list). */
export const SLOT_CONTENT_TYPES = ['audio/opus', 'audio/wav'] as const;
export type SlotContentType = (typeof SLOT_CONTENT_TYPES)[number];

/** The audio format (as `sniffAudio` names it) the bytes of each declared type must have. */
export const SLOT_AUDIO_FORMAT: Record<SlotContentType, AudioFormat> = {
  'audio/opus': 'ogg',
  'audio/wav': 'wav',
};

/** Names the account manager also accepts for WAV; they are stored and answered as `audio/wav`. */
export const WAV_ALIASES = ['audio/wave', 'audio/x-wav', 'audio/vnd.wave'] as const;

/** The declared type in its one stored spelling, or undefined when it is not one a slot takes. */
export function slotContentType(declared: string): SlotContentType | undefined {
  const t = declared.trim().toLowerCase();
  if ((SLOT_CONTENT_TYPES as readonly string[]).includes(t)) return t as SlotContentType;
  if ((WAV_ALIASES as readonly string[]).includes(t)) return 'audio/wav';
  return undefined;
}

/** `sip:` or `sips:` URI: user part optional, a host, optional port and parameters; no spaces. */
export const SIP_URI =
  /^sips?:(?:[^@\s:;?]+(?::[^@\s;?]*)?@)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:;[^\s?]*)?(?:\?[^\s]*)?$/;
export const MAX_SIP_FROM = 255;
/** The longest `name` of an uploaded file (Laravel's `string` column). */
export const MAX_SLOT_FILE_NAME = 255;

export function isSipUri(v: string): boolean {
  return v.length <= MAX_SIP_FROM && SIP_URI.test(v);
}

/** Slot commands act for one user of the account (the face resolved `me`). */
export class UserSlotsCommand extends TenantCommand {
  @Matches(HEX_ID) userId: string;
}

export class CreateSlotCommand extends UserSlotsCommand {
  /** Optional, as in the account manager's code (its document says mandatory). */
  @IsOptional() @Text(MAX_SIP_FROM, 5) @Matches(SIP_URI) sipFrom?: string;
  @IsIn(SLOT_CONTENT_TYPES) contentType: SlotContentType;
  @Int(1, 1024 * 1024 * 1024) maxBytes: number;
  /** How long the slot waits for its audio before the sweeper removes it. */
  @Int(1, 7 * 86400) ttlSeconds: number;
}

export class SlotIdCommand extends UserSlotsCommand {
  @IsUUID() slotId: string;
}

/**
 * An upload through a slot's signed URL: the gateway checked the signature, which names the tenant and
 * the slot; there is no caller credential, message-service acts as the box's owner.
 */
export class SlotUploadCommand {
  @Matches(HEX_ID) tenantId: string;
  @IsUUID() slotId: string;
}

export class CompleteSlotUploadCommand extends SlotUploadCommand {
  @Text(128) uploadId: string;
  /** The gateway's measurement of the upload, so the commit need not read it back. */
  @IsOptional() @Nested(() => AudioFacts) facts?: AudioFacts;
  /** The uploaded file's name (the form part's `filename`, without its directories), answered as `name`. */
  @IsOptional() @Text(MAX_SLOT_FILE_NAME, 1) fileName?: string;
}

/** A slot as message-service keeps it; the face turns it into the account manager's JSON. */
export interface VoicemailSlot {
  id: string;
  user_id: string;
  sip_from: string | null;
  /** The stored file's name once uploaded (the account manager's `name`), else null. */
  name: string | null;
  content_type: SlotContentType;
  max_upload_size: number;
  created_at: string;
  expires_at: string;
  uploaded_at: string | null;
  file_size: number | null;
  message_id: string | null;
}

export interface SlotUploadTicket extends UploadTicket {
  contentType: SlotContentType;
}

// ---- mailbox-service, for the face and for slots ----

/** Authenticates an API client by its secret alone (the `x-api-key` of the account manager face). */
export class ApiClientSecretAuthCommand {
  @Text(256, 1) secret: string;
  @Text(128) clientKey: string;
}

/** The box `userId` owns in the account (the lowest `mailbox` number); 404 when the user is not there. */
export class OwnedVmboxCommand extends TenantCommand {
  @Matches(HEX_ID) userId: string;
}

export interface OwnedVmboxReply {
  vmboxId: string | null;
}

/** The largest `id` the account manager face gives a SIP account: Flexisip reads it as a C++ `int`. */
export const MAX_SIP_ID = 2147483647;

/**
 * A SIP account (a user) of the caller's account for the account manager face, by its integer id or by
 * its SIP address `user@host` (the user's `username` at the account's `realm`).
 */
export class SipAccountFindCommand extends TenantCommand {
  @IsOptional() @Int(1, MAX_SIP_ID) sipId?: number;
  @IsOptional() @Text(512, 3) address?: string;
}

/** A user as a SIP account: its stable integer id (numbered per account from 1, never reused). */
export interface SipAccount {
  user_id: string;
  sip_id: number;
  username: string | null;
  /** The account's realm: the SIP domain of its users. */
  domain: string | null;
  display_name: string | null;
  email: string | null;
  admin: boolean;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}
