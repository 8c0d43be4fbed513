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
  VmboxCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { AudioService } from './audio.service';
import { DeletionService } from './deletion.service';
import { DepositService } from './deposit.service';
import { FilingService } from './filing.service';
import { MessagesService } from './messages.service';

@Controller()
export class MessagesHandler {
  constructor(
    private readonly messages: MessagesService,
    private readonly deposit: DepositService,
    private readonly filing: FilingService,
    private readonly deletion: DeletionService,
    private readonly audioFiles: AudioService,
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
}
