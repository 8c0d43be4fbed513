// The command registry: each command declared once with its subject, its request class (validated by the
// service on arrival) and its reply type, so the gateway's bus and the services' handlers cannot disagree.
import type { ClassConstructor } from 'class-transformer';
import type { AccountLimits, AccountUsage } from './limits';
import {
  AccountTreeCommand,
  AccountTreeReply,
  Actor,
  ApiClientAuthCommand,
  ApiKeyAuthCommand,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  ListCommand,
  ListReply,
  RenewApiClientCommand,
  TenantCommand,
  TokenGrant,
  UpdateDocCommand,
  UserAuthCommand,
  VerifyTokenCommand,
} from './commands';
import {
  ApiClientSecretAuthCommand,
  CompleteSlotUploadCommand,
  CreateSlotCommand,
  OwnedVmboxCommand,
  OwnedVmboxReply,
  SipAccount,
  SipAccountFindCommand,
  SlotIdCommand,
  SlotUploadCommand,
  SlotUploadTicket,
  UserSlotsCommand,
  VoicemailSlot,
} from './voicemail-slots';
import {
  DownloadTicket,
  MediaCommitCommand,
  MediaCopyCommand,
  MediaDownloadCommand,
  MediaUploadCommand,
  MediaUploadTicketCommand,
  StoredMedia,
  UploadTicket,
} from './media';
import {
  AbortUploadCommand,
  ArchiveEntry,
  ArchiveMessagesCommand,
  AttachMediaCommand,
  BeginUploadCommand,
  BulkChangeMessagesCommand,
  BulkDeleteMessagesCommand,
  BulkResult,
  ChangeMessageCommand,
  CreateMessageCommand,
  ListMessagesCommand,
  MessageAudio,
  MessageAudioCommand,
  MessageIdCommand,
  MessageUploadTicket,
} from './messages';
import {
  AttachMediaDocumentCommand,
  BoxGreetingCommand,
  CreateMediaDocumentCommand,
  ListMediaDocumentsCommand,
  MediaDocument,
  MediaDocumentAudioCommand,
  MediaDocumentIdCommand,
  ResolvePromptCommand,
  StoreBoxGreetingCommand,
  UpdateMediaDocumentCommand,
  VmboxGreetingsReply,
  VmboxRef,
} from './media-documents';
import {
  AcceptedCall,
  AppIdCommand,
  BroadcastCallsCommand,
  CallRecord,
  CallRecordCommand,
  CallRecordPage,
  CallRecordQueryCommand,
  BroadcastIdCommand,
  BroadcastReply,
  CallReply,
  CreateBroadcastCommand,
  DncCommand,
  ImportOnbukaKeyCommand,
  OnbukaAuthCommand,
  OnbukaSignCommand,
  PutAppCommand,
  TenantOnlyCommand,
} from './broadcasts';
import type { JsonObject } from './kazoo';
import { Subjects } from './subjects';
import {
  SearchMessagesCommand,
  StoreTranscriptionCommand,
  StoreTranscriptionReply,
  TranscriptionSource,
  TranscriptionSourceCommand,
} from './transcription';
import { VmboxCommand } from './messages';
import { NotificationTemplateCommand } from './notifications';
import { DeleteVmboxCommand, PinVerifyReply, VerifyPinCommand, VmboxReply } from './vmboxes';

declare const REPLY: unique symbol;

/** A reply type carried at compile time only; `reply<T>()` makes one. */
export interface ReplyType<T> {
  readonly [REPLY]?: T;
}

export interface CommandDef<S extends string = string, Req extends object = object, Rep = unknown> {
  readonly subject: S;
  readonly request: ClassConstructor<Req>;
  /** Compile-time only: never set. */
  readonly reply?: ReplyType<Rep>;
}

export const reply = <T>(): ReplyType<T> => ({});

export function command<S extends string, Req extends object, Rep>(
  subject: S,
  request: ClassConstructor<Req>,
  _reply: ReplyType<Rep>,
): CommandDef<S, Req, Rep> {
  return { subject, request };
}

/** What a command's sender passes: the request class's fields (a plain object, not an instance). */
export type RequestOf<C> = C extends CommandDef<string, infer Req, unknown> ? Req : never;
export type ReplyOf<C> = C extends CommandDef<string, object, infer Rep> ? Rep : never;

export const Commands = {
  AuthApiKey: command(Subjects.Auth.ApiKey, ApiKeyAuthCommand, reply<TokenGrant>()),
  AuthUser: command(Subjects.Auth.User, UserAuthCommand, reply<TokenGrant>()),
  AuthApiClient: command(Subjects.Auth.ApiClient, ApiClientAuthCommand, reply<TokenGrant>()),
  /** Reply: who the token's holder is; the gateway puts it on every command it sends. */
  AuthApiClientSecret: command(Subjects.Auth.ApiClientSecret, ApiClientSecretAuthCommand, reply<Actor>()),
  AuthVerifyToken: command(Subjects.Auth.VerifyToken, VerifyTokenCommand, reply<Actor>()),
  AuthRenewApiClient: command(Subjects.Auth.RenewApiClient, RenewApiClientCommand, reply<TokenGrant>()),
  AuthRevokeApiClient: command(Subjects.Auth.RevokeApiClient, TenantCommand, reply<{ revoked: true }>()),
  /** Reply: the revoked token's issue time (ms), so the gateway waits until its view refuses it. */
  AuthRevokeToken: command(
    Subjects.Auth.RevokeToken,
    VerifyTokenCommand,
    reply<{ revoked_before: number }>(),
  ),

  AccountCreate: command(Subjects.Account.Create, CreateDocCommand, reply<DocReply>()),
  AccountGet: command(Subjects.Account.Get, DocIdCommand, reply<DocReply>()),
  AccountUpdate: command(Subjects.Account.Update, UpdateDocCommand, reply<DocReply>()),
  AccountDelete: command(Subjects.Account.Delete, DocIdCommand, reply<DocReply>()),
  AccountListChildren: command(Subjects.Account.ListChildren, ListCommand, reply<ListReply>()),
  AccountListDescendants: command(Subjects.Account.ListDescendants, ListCommand, reply<ListReply>()),
  AccountGetApiKey: command(Subjects.Account.GetApiKey, TenantCommand, reply<{ api_key: string }>()),
  AccountRotateApiKey: command(Subjects.Account.RotateApiKey, TenantCommand, reply<{ api_key: string }>()),
  AccountGetLimits: command(Subjects.Account.GetLimits, TenantCommand, reply<AccountLimits>()),
  AccountSetLimits: command(Subjects.Account.SetLimits, CreateDocCommand, reply<AccountLimits>()),
  AccountGetUsage: command(Subjects.Account.GetUsage, TenantCommand, reply<AccountUsage>()),
  /** A live account's ancestors, for services that apply canReach without a projection of accounts. */
  AccountTree: command(Subjects.Account.Tree, AccountTreeCommand, reply<AccountTreeReply>()),

  UserCreate: command(Subjects.User.Create, CreateDocCommand, reply<DocReply>()),
  UserGet: command(Subjects.User.Get, DocIdCommand, reply<DocReply>()),
  UserList: command(Subjects.User.List, ListCommand, reply<ListReply>()),
  UserUpdate: command(Subjects.User.Update, UpdateDocCommand, reply<DocReply>()),
  UserDelete: command(Subjects.User.Delete, DocIdCommand, reply<DocReply>()),
  UserFindSipAccount: command(Subjects.User.FindSipAccount, SipAccountFindCommand, reply<SipAccount>()),

  ApiClientCreate: command(Subjects.ApiClient.Create, CreateDocCommand, reply<DocReply>()),
  ApiClientList: command(Subjects.ApiClient.List, ListCommand, reply<ListReply>()),
  ApiClientDelete: command(Subjects.ApiClient.Delete, DocIdCommand, reply<DocReply>()),

  VmboxCreate: command(Subjects.Vmbox.Create, CreateDocCommand, reply<DocReply>()),
  /** Reply: the box as the actor may see it and its limits; other services use it to authorize. */
  VmboxGet: command(Subjects.Vmbox.Get, DocIdCommand, reply<VmboxReply>()),
  VmboxOwnedBy: command(Subjects.Vmbox.OwnedBy, OwnedVmboxCommand, reply<OwnedVmboxReply>()),
  VmboxList: command(Subjects.Vmbox.List, ListCommand, reply<ListReply>()),
  VmboxUpdate: command(Subjects.Vmbox.Update, UpdateDocCommand, reply<DocReply>()),
  VmboxDelete: command(Subjects.Vmbox.Delete, DeleteVmboxCommand, reply<DocReply>()),
  VmboxGreetings: command(Subjects.Vmbox.Greetings, DocIdCommand, reply<VmboxGreetingsReply>()),
  VmboxesUsingMedia: command(
    Subjects.Vmbox.UsingMedia,
    MediaDocumentIdCommand,
    reply<{ vmboxes: VmboxRef[] }>(),
  ),
  VmboxVerifyPin: command(Subjects.Vmbox.VerifyPin, VerifyPinCommand, reply<PinVerifyReply>()),

  MessageCreate: command(Subjects.Message.Create, CreateMessageCommand, reply<DocReply>()),
  MessageGet: command(Subjects.Message.Get, MessageIdCommand, reply<DocReply>()),
  MessageList: command(Subjects.Message.List, ListMessagesCommand, reply<ListReply>()),
  /** Folder change (reply: the message), move (reply: the message) or copy (reply: BulkResult). */
  MessageChange: command(Subjects.Message.Change, ChangeMessageCommand, reply<DocReply | BulkResult>()),
  MessageDelete: command(Subjects.Message.Delete, MessageIdCommand, reply<DocReply>()),
  MessageBulkChange: command(Subjects.Message.BulkChange, BulkChangeMessagesCommand, reply<BulkResult>()),
  MessageBulkDelete: command(Subjects.Message.BulkDelete, BulkDeleteMessagesCommand, reply<BulkResult>()),
  MessageBeginUpload: command(Subjects.Message.BeginUpload, BeginUploadCommand, reply<MessageUploadTicket>()),
  MessageAttachMedia: command(Subjects.Message.AttachMedia, AttachMediaCommand, reply<DocReply>()),
  MessageAbortUpload: command(Subjects.Message.AbortUpload, AbortUploadCommand, reply<{ aborted: true }>()),
  MessageAudio: command(Subjects.Message.Audio, MessageAudioCommand, reply<MessageAudio>()),
  MessageArchive: command(Subjects.Message.Archive, ArchiveMessagesCommand, reply<ArchiveEntry[]>()),
  MessageMwi: command(Subjects.Message.Mwi, VmboxCommand, reply<{ new: number; saved: number }>()),
  MessageTranscriptionSource: command(
    Subjects.Message.TranscriptionSource,
    TranscriptionSourceCommand,
    reply<TranscriptionSource>(),
  ),
  MessageSearch: command(Subjects.Message.Search, SearchMessagesCommand, reply<ListReply>()),
  MessageStoreTranscription: command(
    Subjects.Message.StoreTranscription,
    StoreTranscriptionCommand,
    reply<StoreTranscriptionReply>(),
  ),

  VoicemailSlotCreate: command(Subjects.VoicemailSlot.Create, CreateSlotCommand, reply<VoicemailSlot>()),
  VoicemailSlotGet: command(Subjects.VoicemailSlot.Get, SlotIdCommand, reply<VoicemailSlot>()),
  VoicemailSlotList: command(Subjects.VoicemailSlot.List, UserSlotsCommand, reply<VoicemailSlot[]>()),
  VoicemailSlotDelete: command(Subjects.VoicemailSlot.Delete, SlotIdCommand, reply<{ deleted: true }>()),
  VoicemailSlotBeginUpload: command(
    Subjects.VoicemailSlot.BeginUpload,
    SlotUploadCommand,
    reply<SlotUploadTicket>(),
  ),
  VoicemailSlotCompleteUpload: command(
    Subjects.VoicemailSlot.CompleteUpload,
    CompleteSlotUploadCommand,
    reply<VoicemailSlot>(),
  ),
  VoicemailSlotAbortUpload: command(
    Subjects.VoicemailSlot.AbortUpload,
    CompleteSlotUploadCommand,
    reply<{ aborted: true }>(),
  ),
  VoicemailSlotAudio: command(Subjects.VoicemailSlot.Audio, SlotUploadCommand, reply<MessageAudio>()),

  MediaUploadTicket: command(Subjects.Media.UploadTicket, MediaUploadTicketCommand, reply<UploadTicket>()),
  MediaCommit: command(Subjects.Media.Commit, MediaCommitCommand, reply<StoredMedia>()),
  MediaAbort: command(Subjects.Media.Abort, MediaUploadCommand, reply<{ aborted: boolean }>()),
  MediaDownloadTicket: command(Subjects.Media.DownloadTicket, MediaDownloadCommand, reply<DownloadTicket>()),

  OnbukaAuth: command(Subjects.Broadcast.OnbukaAuth, OnbukaAuthCommand, reply<Actor>()),
  OnbukaImportKey: command(
    Subjects.Broadcast.OnbukaImportKey,
    ImportOnbukaKeyCommand,
    reply<{ api_key: string; account_id: string }>(),
  ),
  BroadcastCreate: command(
    Subjects.Broadcast.Create,
    CreateBroadcastCommand,
    reply<{ id: string; calls: AcceptedCall[] }>(),
  ),
  BroadcastList: command(Subjects.Broadcast.List, TenantOnlyCommand, reply<BroadcastReply[]>()),
  BroadcastGet: command(Subjects.Broadcast.Get, BroadcastIdCommand, reply<BroadcastReply>()),
  BroadcastCalls: command(
    Subjects.Broadcast.Calls,
    BroadcastCallsCommand,
    reply<{ calls: CallReply[]; next_start_key?: string }>(),
  ),
  BroadcastCancel: command(Subjects.Broadcast.Cancel, BroadcastIdCommand, reply<BroadcastReply>()),
  BroadcastCallRecord: command(Subjects.Broadcast.CallRecord, CallRecordCommand, reply<CallRecord>()),
  BroadcastCallRecordQuery: command(
    Subjects.Broadcast.CallRecordQuery,
    CallRecordQueryCommand,
    reply<CallRecordPage>(),
  ),
  AuthOnbukaSign: command(Subjects.Auth.OnbukaSign, OnbukaSignCommand, reply<Actor>()),
  MediaResolvePrompt: command(
    Subjects.MediaDocument.ResolvePrompt,
    ResolvePromptCommand,
    reply<MediaDocument>(),
  ),
  BroadcastAppPut: command(Subjects.Broadcast.AppPut, PutAppCommand, reply<JsonObject>()),
  BroadcastAppGet: command(Subjects.Broadcast.AppGet, AppIdCommand, reply<JsonObject>()),
  BroadcastAppList: command(Subjects.Broadcast.AppList, TenantOnlyCommand, reply<JsonObject[]>()),
  BroadcastAppDelete: command(Subjects.Broadcast.AppDelete, AppIdCommand, reply<JsonObject>()),
  DncAdd: command(Subjects.Broadcast.DncAdd, DncCommand, reply<{ numbers: string[] }>()),
  DncList: command(Subjects.Broadcast.DncList, TenantOnlyCommand, reply<{ numbers: string[] }>()),
  DncRemove: command(Subjects.Broadcast.DncRemove, DncCommand, reply<{ numbers: string[] }>()),
  MediaCopy: command(Subjects.Media.Copy, MediaCopyCommand, reply<StoredMedia>()),

  MediaDocumentCreate: command(
    Subjects.MediaDocument.Create,
    CreateMediaDocumentCommand,
    reply<MediaDocument>(),
  ),
  MediaDocumentGet: command(Subjects.MediaDocument.Get, MediaDocumentIdCommand, reply<MediaDocument>()),
  MediaDocumentList: command(
    Subjects.MediaDocument.List,
    ListMediaDocumentsCommand,
    reply<MediaDocument[]>(),
  ),
  MediaDocumentUpdate: command(
    Subjects.MediaDocument.Update,
    UpdateMediaDocumentCommand,
    reply<MediaDocument>(),
  ),
  MediaDocumentDelete: command(Subjects.MediaDocument.Delete, MediaDocumentIdCommand, reply<MediaDocument>()),
  MediaDocumentAttach: command(
    Subjects.MediaDocument.Attach,
    AttachMediaDocumentCommand,
    reply<MediaDocument>(),
  ),
  MediaDocumentAudio: command(Subjects.MediaDocument.Audio, MediaDocumentAudioCommand, reply<MessageAudio>()),
  BoxGreetingFind: command(
    Subjects.MediaDocument.FindBoxGreeting,
    BoxGreetingCommand,
    reply<MediaDocument | null>(),
  ),
  BoxGreetingStore: command(
    Subjects.MediaDocument.StoreBoxGreeting,
    StoreBoxGreetingCommand,
    reply<MediaDocument>(),
  ),
  WebhookCreate: command(Subjects.Webhook.Create, CreateDocCommand, reply<DocReply>()),
  WebhookGet: command(Subjects.Webhook.Get, DocIdCommand, reply<DocReply>()),
  WebhookList: command(Subjects.Webhook.List, ListCommand, reply<ListReply>()),
  WebhookUpdate: command(Subjects.Webhook.Update, UpdateDocCommand, reply<DocReply>()),
  WebhookDelete: command(Subjects.Webhook.Delete, DocIdCommand, reply<DocReply>()),
  WebhookAttempts: command(Subjects.Webhook.Attempts, DocIdCommand, reply<ListReply>()),
  NotificationTemplateGet: command(
    Subjects.NotificationTemplate.Get,
    NotificationTemplateCommand,
    reply<DocReply>(),
  ),
  NotificationTemplateUpdate: command(
    Subjects.NotificationTemplate.Update,
    NotificationTemplateCommand,
    reply<DocReply>(),
  ),
  NotificationTemplateDelete: command(
    Subjects.NotificationTemplate.Delete,
    NotificationTemplateCommand,
    reply<DocReply>(),
  ),
} as const;

export type CommandName = keyof typeof Commands;
/** Every command, keyed by subject: `CommandMap['voxmail.cmd.message.create']` is its definition. */
export type CommandMap = { [K in CommandName as (typeof Commands)[K]['subject']]: (typeof Commands)[K] };
