// NATS command handlers of media objects: the registry validates, then one service call.
import { Controller } from '@nestjs/common';
import {
  Commands,
  MediaCommitCommand,
  MediaCopyCommand,
  MediaDownloadCommand,
  MediaUploadCommand,
  MediaUploadTicketCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { MediaService } from './media.service';

@Controller()
export class MediaObjectsHandler {
  constructor(private readonly media: MediaService) {}

  @HandleCommand(Commands.MediaUploadTicket)
  uploadTicket(cmd: MediaUploadTicketCommand) {
    return this.media.uploadTicket(cmd);
  }

  @HandleCommand(Commands.MediaCommit)
  commit(cmd: MediaCommitCommand) {
    return this.media.commit(cmd);
  }

  @HandleCommand(Commands.MediaAbort)
  abort(cmd: MediaUploadCommand) {
    return this.media.abort(cmd);
  }

  @HandleCommand(Commands.MediaDownloadTicket)
  download(cmd: MediaDownloadCommand) {
    return this.media.downloadTicket(cmd);
  }

  @HandleCommand(Commands.MediaCopy)
  copy(cmd: MediaCopyCommand) {
    return this.media.copy(cmd);
  }
}
