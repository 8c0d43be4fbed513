// NATS command handlers of messages: validate, then call the service.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { IsBoolean, IsOptional } from 'class-validator';
import {
  AbortUploadCommand,
  ArchiveMessagesCommand,
  AttachMediaCommand,
  BeginUploadCommand,
  BulkChangeMessagesCommand,
  BulkDeleteMessagesCommand,
  ChangeMessageCommand,
  CreateMessageCommand,
  ListMessagesCommand,
  MessageAudioCommand,
  MessageIdCommand,
  Subjects,
  validateCommand as v,
} from '@voxmail/contracts';
import { MessagesService } from './messages.service';

/** The list command plus whether the client chose the order (else the box's `oldest_message_first` does). */
class ListBoxMessagesCommand extends ListMessagesCommand {
  @IsOptional() @IsBoolean() explicitOrder?: boolean;
}

@Controller()
export class MessagesHandler {
  constructor(private readonly messages: MessagesService) {}

  @MessagePattern(Subjects.Message.Create)
  create(@Payload() p: unknown) {
    return this.messages.create(v(CreateMessageCommand, p));
  }

  @MessagePattern(Subjects.Message.Get)
  get(@Payload() p: unknown) {
    return this.messages.get(v(MessageIdCommand, p));
  }

  @MessagePattern(Subjects.Message.List)
  list(@Payload() p: unknown) {
    return this.messages.list(v(ListBoxMessagesCommand, p));
  }

  @MessagePattern(Subjects.Message.Change)
  change(@Payload() p: unknown) {
    return this.messages.change(v(ChangeMessageCommand, p));
  }

  @MessagePattern(Subjects.Message.Delete)
  delete(@Payload() p: unknown) {
    return this.messages.delete(v(MessageIdCommand, p));
  }

  @MessagePattern(Subjects.Message.BulkChange)
  bulkChange(@Payload() p: unknown) {
    return this.messages.bulkChange(v(BulkChangeMessagesCommand, p));
  }

  @MessagePattern(Subjects.Message.BulkDelete)
  bulkDelete(@Payload() p: unknown) {
    return this.messages.bulkDelete(v(BulkDeleteMessagesCommand, p));
  }

  @MessagePattern(Subjects.Message.BeginUpload)
  beginUpload(@Payload() p: unknown) {
    return this.messages.beginUpload(v(BeginUploadCommand, p));
  }

  @MessagePattern(Subjects.Message.AttachMedia)
  attachMedia(@Payload() p: unknown) {
    return this.messages.attachMedia(v(AttachMediaCommand, p));
  }

  @MessagePattern(Subjects.Message.AbortUpload)
  abortUpload(@Payload() p: unknown) {
    return this.messages.abortUpload(v(AbortUploadCommand, p));
  }

  @MessagePattern(Subjects.Message.Audio)
  audio(@Payload() p: unknown) {
    return this.messages.audio(v(MessageAudioCommand, p));
  }

  @MessagePattern(Subjects.Message.Archive)
  archive(@Payload() p: unknown) {
    return this.messages.archive(v(ArchiveMessagesCommand, p));
  }
}
