// NATS command handlers of messages: the registry validates, then one service call.
import { Controller } from '@nestjs/common';
import {
  AbortUploadCommand,
  ArchiveMessagesCommand,
  AttachMediaCommand,
  BeginUploadCommand,
  BulkChangeMessagesCommand,
  BulkDeleteMessagesCommand,
  ChangeMessageCommand,
  Commands,
  CreateMessageCommand,
  ListMessagesCommand,
  MessageAudioCommand,
  MessageIdCommand,
  SearchMessagesCommand,
  StoreTranscriptionCommand,
  TranscriptionSourceCommand,
  VmboxCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { AudioService } from './audio.service';
import { DeletionService } from './deletion.service';
import { DepositService } from './deposit.service';
import { FilingService } from './filing.service';
import { MessageSearchService } from './message-search.service';
import { MessagesService } from './messages.service';
import { TranscriptionService } from './transcription.service';

@Controller()
export class MessagesHandler {
  constructor(
    private readonly messages: MessagesService,
    private readonly deposit: DepositService,
    private readonly filing: FilingService,
    private readonly deletion: DeletionService,
    private readonly audioFiles: AudioService,
    private readonly transcriptions: TranscriptionService,
    private readonly searches: MessageSearchService,
  ) {}

  @HandleCommand(Commands.MessageCreate)
  create(cmd: CreateMessageCommand) {
    return this.deposit.create(cmd);
  }

  @HandleCommand(Commands.MessageGet)
  get(cmd: MessageIdCommand) {
    return this.messages.get(cmd);
  }

  @HandleCommand(Commands.MessageList)
  list(cmd: ListMessagesCommand) {
    return this.messages.list(cmd);
  }

  @HandleCommand(Commands.MessageChange)
  change(cmd: ChangeMessageCommand) {
    return this.filing.change(cmd);
  }

  @HandleCommand(Commands.MessageDelete)
  delete(cmd: MessageIdCommand) {
    return this.deletion.delete(cmd);
  }

  @HandleCommand(Commands.MessageBulkChange)
  bulkChange(cmd: BulkChangeMessagesCommand) {
    return this.filing.bulkChange(cmd);
  }

  @HandleCommand(Commands.MessageBulkDelete)
  bulkDelete(cmd: BulkDeleteMessagesCommand) {
    return this.deletion.bulkDelete(cmd);
  }

  @HandleCommand(Commands.MessageBeginUpload)
  beginUpload(cmd: BeginUploadCommand) {
    return this.deposit.beginUpload(cmd);
  }

  @HandleCommand(Commands.MessageAttachMedia)
  attachMedia(cmd: AttachMediaCommand) {
    return this.deposit.attachMedia(cmd);
  }

  @HandleCommand(Commands.MessageAbortUpload)
  abortUpload(cmd: AbortUploadCommand) {
    return this.deposit.abortUpload(cmd);
  }

  @HandleCommand(Commands.MessageAudio)
  audio(cmd: MessageAudioCommand) {
    return this.audioFiles.audio(cmd);
  }

  @HandleCommand(Commands.MessageMwi)
  mwi(cmd: VmboxCommand) {
    return this.messages.mwi(cmd);
  }

  @HandleCommand(Commands.MessageArchive)
  archive(cmd: ArchiveMessagesCommand) {
    return this.audioFiles.archive(cmd);
  }

  @HandleCommand(Commands.MessageTranscriptionSource)
  transcriptionSource(cmd: TranscriptionSourceCommand) {
    return this.transcriptions.source(cmd);
  }

  @HandleCommand(Commands.MessageStoreTranscription)
  storeTranscription(cmd: StoreTranscriptionCommand) {
    return this.transcriptions.store(cmd);
  }

  @HandleCommand(Commands.MessageSearch)
  search(cmd: SearchMessagesCommand) {
    return this.searches.inAccount(cmd);
  }
}
