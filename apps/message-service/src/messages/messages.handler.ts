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
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { MessagesService } from './messages.service';

@Controller()
export class MessagesHandler {
  constructor(private readonly messages: MessagesService) {}

  @HandleCommand(Commands.MessageCreate)
  create(cmd: CreateMessageCommand) {
    return this.messages.create(cmd);
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
    return this.messages.change(cmd);
  }

  @HandleCommand(Commands.MessageDelete)
  delete(cmd: MessageIdCommand) {
    return this.messages.delete(cmd);
  }

  @HandleCommand(Commands.MessageBulkChange)
  bulkChange(cmd: BulkChangeMessagesCommand) {
    return this.messages.bulkChange(cmd);
  }

  @HandleCommand(Commands.MessageBulkDelete)
  bulkDelete(cmd: BulkDeleteMessagesCommand) {
    return this.messages.bulkDelete(cmd);
  }

  @HandleCommand(Commands.MessageBeginUpload)
  beginUpload(cmd: BeginUploadCommand) {
    return this.messages.beginUpload(cmd);
  }

  @HandleCommand(Commands.MessageAttachMedia)
  attachMedia(cmd: AttachMediaCommand) {
    return this.messages.attachMedia(cmd);
  }

  @HandleCommand(Commands.MessageAbortUpload)
  abortUpload(cmd: AbortUploadCommand) {
    return this.messages.abortUpload(cmd);
  }

  @HandleCommand(Commands.MessageAudio)
  audio(cmd: MessageAudioCommand) {
    return this.messages.audio(cmd);
  }

  @HandleCommand(Commands.MessageArchive)
  archive(cmd: ArchiveMessagesCommand) {
    return this.messages.archive(cmd);
  }
}
