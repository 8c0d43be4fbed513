// The domain event envelope and catalogue; `type` is `<aggregate>.<event>`.
export interface EventEnvelope<T = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  tenantId: string;
  aggregateId: string;
  occurredAt: string;
  requestId?: string;
  traceparent?: string;
  data: T;
}

export const EventTypes = {
  AccountCreated: 'account.created',
  AccountUpdated: 'account.updated',
  AccountDeleted: 'account.deleted',
  UserCreated: 'user.created',
  UserUpdated: 'user.updated',
  UserDeleted: 'user.deleted',
  ApiKeyRotated: 'account.api_key_rotated',
  /** data: scope, subject id, account_id, revoked_before: tokens issued up to then are void for good. */
  TokensRevoked: 'auth.tokens_revoked',
  ApiClientCreated: 'api_client.created',
  ApiClientDeleted: 'api_client.deleted',
  MailboxCreated: 'mailbox.created',
  MailboxUpdated: 'mailbox.updated',
  /** data: the box; message-service deletes the box's messages, media-storage their objects. */
  MailboxDeleted: 'mailbox.deleted',
  MailboxPinVerified: 'mailbox.pin_verified',
  MailboxPinFailed: 'mailbox.pin_failed',
  MailboxLocked: 'mailbox.locked',
  MessageCreated: 'message.created',
  MessageUpdated: 'message.updated',
  MessageMoved: 'message.moved',
  MessageCopied: 'message.copied',
  MessageDeleted: 'message.deleted',
  MessageMediaStored: 'message.media_stored',
  /** data: { vmbox_id, new, saved } — the box's counts after a change; the MWI lamp and list counts. */
  MwiUpdated: 'mwi.updated',
  MediaStored: 'media.stored',
  MediaDeleted: 'media.deleted',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

/** What a service hands the outbox: the envelope minus what the outbox fills in. */
export interface NewEvent<T = Record<string, unknown>> {
  type: string;
  tenantId: string;
  aggregateId: string;
  data: T;
  version?: number;
}
