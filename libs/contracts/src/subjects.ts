// Every NATS subject Voxmail uses is written here and nowhere else.
import { serviceEntry } from './services';

export const STREAM_NAME = 'VOXMAIL_EVENTS';
export const EVENT_SUBJECT_PREFIX = 'voxmail.evt';

/** Each service's queue group, from the service registry. */
export const QUEUE_GROUPS = {
  mailbox: serviceEntry('mailbox').queue,
  message: serviceEntry('message').queue,
  media: serviceEntry('media').queue,
  dialer: serviceEntry('dialer').queue,
  notification: serviceEntry('notification').queue,
  transcription: serviceEntry('transcription').queue,
} as const;

const cmd = <S extends string, A extends string>(service: S, action: A) =>
  `voxmail.cmd.${service}.${action}` as const;

export const Subjects = {
  Auth: {
    ApiKey: cmd('mailbox', 'auth.api_key'),
    User: cmd('mailbox', 'auth.user'),
    VerifyToken: cmd('mailbox', 'auth.verify_token'),
    ApiClient: cmd('mailbox', 'auth.api_client'),
    /** An API client by its secret alone (Flexisip's `x-api-key`); reply: Actor. */
    ApiClientSecret: cmd('mailbox', 'auth.api_client_secret'),
    /** A fresh token for the API client a valid token belongs to (Yeastar refresh_token); reply: TokenGrant. */
    RenewApiClient: cmd('mailbox', 'auth.renew_api_client'),
    /** Revokes every token of the actor's API client at once (Yeastar del_token). */
    RevokeApiClient: cmd('mailbox', 'auth.revoke_api_client'),
    /** Revokes one token, the one given (Kazoo `DELETE /v2/token_auth`, a sign-out). */
    RevokeToken: cmd('mailbox', 'auth.revoke_token'),
    /** An Onbuka Sign made with an API client's id and secret (clients created with `onbuka: true`); reply: Actor. */
    OnbukaSign: cmd('mailbox', 'auth.onbuka_sign'),
  },
  Account: {
    Create: cmd('mailbox', 'account.create'),
    Get: cmd('mailbox', 'account.get'),
    Update: cmd('mailbox', 'account.update'),
    Delete: cmd('mailbox', 'account.delete'),
    ListChildren: cmd('mailbox', 'account.list_children'),
    ListDescendants: cmd('mailbox', 'account.list_descendants'),
    GetApiKey: cmd('mailbox', 'account.get_api_key'),
    RotateApiKey: cmd('mailbox', 'account.rotate_api_key'),
    /** An account's limits (`/v2/accounts/{id}/limits`); set only by the operator or a reseller above. */
    GetLimits: cmd('mailbox', 'account.get_limits'),
    SetLimits: cmd('mailbox', 'account.set_limits'),
    /** An account's usage (`/v2/accounts/{id}/usage`), projected from the events. */
    GetUsage: cmd('mailbox', 'account.get_usage'),
    Tree: cmd('mailbox', 'account.tree'),
  },
  User: {
    /** A user as the account manager face's SIP account (integer id, `user@realm`); reply: SipAccount. */
    FindSipAccount: cmd('mailbox', 'user.find_sip_account'),
    Create: cmd('mailbox', 'user.create'),
    Get: cmd('mailbox', 'user.get'),
    List: cmd('mailbox', 'user.list'),
    Update: cmd('mailbox', 'user.update'),
    Delete: cmd('mailbox', 'user.delete'),
  },
  ApiClient: {
    Create: cmd('mailbox', 'api_client.create'),
    List: cmd('mailbox', 'api_client.list'),
    Delete: cmd('mailbox', 'api_client.delete'),
  },
  Vmbox: {
    Create: cmd('mailbox', 'vmbox.create'),
    /** Reply: DocReply whose doc is the box as the actor may see it; other services use it to authorize. */
    Get: cmd('mailbox', 'vmbox.get'),
    List: cmd('mailbox', 'vmbox.list'),
    Update: cmd('mailbox', 'vmbox.update'),
    Delete: cmd('mailbox', 'vmbox.delete'),
    VerifyPin: cmd('mailbox', 'vmbox.verify_pin'),
    /** The box a user owns (lowest mailbox number); reply: OwnedVmboxReply. */
    OwnedBy: cmd('mailbox', 'vmbox.owned_by'),
    /** The greetings (`media.*`) of a box with their audio's details; reply: VmboxGreetingsReply. */
    Greetings: cmd('mailbox', 'vmbox.greetings'),
    /** The boxes whose `media.*` name a media document (media-storage asks before deleting one). */
    UsingMedia: cmd('mailbox', 'vmbox.using_media'),
  },
  Message: {
    Create: cmd('message', 'create'),
    Get: cmd('message', 'get'),
    List: cmd('message', 'list'),
    /** Folder change, move (`sourceId` string) or copy (`sourceId` array) of one message. */
    Change: cmd('message', 'change'),
    Delete: cmd('message', 'delete'),
    BulkChange: cmd('message', 'bulk_change'),
    BulkDelete: cmd('message', 'bulk_delete'),
    /** Reserves the audio upload of a message (or of a new one, multipart create); reply: UploadTicket. */
    BeginUpload: cmd('message', 'begin_upload'),
    /** Attaches a finished upload to its message; reply: the message. */
    AttachMedia: cmd('message', 'attach_media'),
    AbortUpload: cmd('message', 'abort_upload'),
    /** Where to read a message's audio (optionally in another format); reply: DownloadTicket. */
    Audio: cmd('message', 'audio'),
    /** Audio of several messages for a ZIP; reply: ArchiveEntry[]. */
    Archive: cmd('message', 'archive'),
    /** A box's message-waiting counts (`new`, `saved`), as `mwi.updated` carries them. */
    Mwi: cmd('message', 'mwi'),
    /** The audio of a message whose box transcribes (transcription-service); reply: TranscriptionSource. */
    TranscriptionSource: cmd('message', 'transcription.source'),
    /** Stores a transcription on a message, publishing message.transcribed; reply: StoreTranscriptionReply. */
    StoreTranscription: cmd('message', 'transcription.store'),
    /** Full-text search of an account's messages (`?q=`); reply: ListReply. */
    Search: cmd('message', 'search'),
  },
  VoicemailSlot: {
    Create: cmd('message', 'voicemail_slot.create'),
    Get: cmd('message', 'voicemail_slot.get'),
    List: cmd('message', 'voicemail_slot.list'),
    Delete: cmd('message', 'voicemail_slot.delete'),
    /** Reserves the audio upload of an empty slot; reply: SlotUploadTicket. */
    BeginUpload: cmd('message', 'voicemail_slot.begin_upload'),
    /** Turns a finished upload into the message; reply: VoicemailSlot. */
    CompleteUpload: cmd('message', 'voicemail_slot.complete_upload'),
    AbortUpload: cmd('message', 'voicemail_slot.abort_upload'),
    /** Where to read a filled slot's audio; reply: DownloadTicket. */
    Audio: cmd('message', 'voicemail_slot.audio'),
  },
  Media: {
    UploadTicket: cmd('media', 'upload_ticket'),
    Commit: cmd('media', 'commit'),
    Abort: cmd('media', 'abort'),
    DownloadTicket: cmd('media', 'download_ticket'),
    Copy: cmd('media', 'copy'),
  },
  MediaDocument: {
    Create: cmd('media', 'document.create'),
    Get: cmd('media', 'document.get'),
    List: cmd('media', 'document.list'),
    Update: cmd('media', 'document.update'),
    Delete: cmd('media', 'document.delete'),
    /** Commits an upload ticket into a document's audio; reply: MediaDocument. */
    Attach: cmd('media', 'document.attach'),
    /** Where to read a document's audio; reply: MessageAudio. */
    Audio: cmd('media', 'document.audio'),
    /** A box's file greeting by name; reply: MediaDocument or null. */
    FindBoxGreeting: cmd('media', 'box_greeting.find'),
    /** Adds, or overwrites by name, a box's file greeting from an upload ticket; reply: MediaDocument. */
    StoreBoxGreeting: cmd('media', 'box_greeting.store'),
    /** A prompt of the account with audio, by media id or by name (an Onbuka `fileId`); reply: MediaDocument. */
    ResolvePrompt: cmd('media', 'prompt.resolve'),
  },
  Webhook: {
    Create: cmd('notification', 'webhook.create'),
    Get: cmd('notification', 'webhook.get'),
    List: cmd('notification', 'webhook.list'),
    Update: cmd('notification', 'webhook.update'),
    Delete: cmd('notification', 'webhook.delete'),
    /** Every delivery attempt of a webhook, newest first. */
    Attempts: cmd('notification', 'webhook.attempts'),
  },
  NotificationTemplate: {
    /** The account's template, or the default (`_read_only.default`). */
    Get: cmd('notification', 'template.get'),
    Update: cmd('notification', 'template.update'),
    /** Back to the default. */
    Delete: cmd('notification', 'template.delete'),
  },
  Broadcast: {
    /** Verifies an Onbuka Api-Key/Timestamp/Sign and records it against replay; reply: Actor. */
    OnbukaAuth: cmd('dialer', 'onbuka.auth'),
    /** Operator only: imports an existing Onbuka key pair for a tenant. */
    OnbukaImportKey: cmd('dialer', 'onbuka.import_key'),
    Create: cmd('dialer', 'broadcast.create'),
    List: cmd('dialer', 'broadcast.list'),
    Get: cmd('dialer', 'broadcast.get'),
    Calls: cmd('dialer', 'broadcast.calls'),
    Cancel: cmd('dialer', 'broadcast.cancel'),
    /** One call by its voiceId, as Onbuka's `recordGroup/{voiceId}` reports it; reply: CallRecord. */
    CallRecord: cmd('dialer', 'call.record'),
    /** The calls submitted in a time window, a page at a time (Onbuka's `recordGroupQuery`); reply: CallRecordPage. */
    CallRecordQuery: cmd('dialer', 'call.record_query'),
    AppPut: cmd('dialer', 'app.put'),
    AppGet: cmd('dialer', 'app.get'),
    AppList: cmd('dialer', 'app.list'),
    AppDelete: cmd('dialer', 'app.delete'),
    DncAdd: cmd('dialer', 'dnc.add'),
    DncList: cmd('dialer', 'dnc.list'),
    DncRemove: cmd('dialer', 'dnc.remove'),
  },
} as const;

/** `voxmail.evt.<tenantId>.<aggregate>.<event>` */
export function eventSubject(tenantId: string, type: string): string {
  return `${EVENT_SUBJECT_PREFIX}.${tenantId}.${type}`;
}
