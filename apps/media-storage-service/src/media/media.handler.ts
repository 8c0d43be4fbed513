// NATS command handlers of media objects: validate, then call the service.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  MediaCommitCommand,
  MediaCopyCommand,
  MediaDownloadCommand,
  MediaUploadCommand,
  MediaUploadTicketCommand,
  Subjects,
  validateCommand as v,
} from '@voxmail/contracts';
import { MediaService } from './media.service';

@Controller()
export class MediaObjectsHandler {
  constructor(private readonly media: MediaService) {}

  @MessagePattern(Subjects.Media.UploadTicket)
  uploadTicket(@Payload() p: unknown) {
    return this.media.uploadTicket(v(MediaUploadTicketCommand, p));
  }

  @MessagePattern(Subjects.Media.Commit)
  commit(@Payload() p: unknown) {
    return this.media.commit(v(MediaCommitCommand, p));
  }

  @MessagePattern(Subjects.Media.Abort)
  abort(@Payload() p: unknown) {
    return this.media.abort(v(MediaUploadCommand, p));
  }

  @MessagePattern(Subjects.Media.DownloadTicket)
  download(@Payload() p: unknown) {
    return this.media.downloadTicket(v(MediaDownloadCommand, p));
  }

  @MessagePattern(Subjects.Media.Copy)
  copy(@Payload() p: unknown) {
    return this.media.copy(v(MediaCopyCommand, p));
  }
}
