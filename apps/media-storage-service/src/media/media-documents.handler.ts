// NATS command handlers of media documents and box greetings: the registry validates, then one call.
import { Controller } from '@nestjs/common';
import {
  AttachMediaDocumentCommand,
  BoxGreetingCommand,
  Commands,
  CreateMediaDocumentCommand,
  ListMediaDocumentsCommand,
  MediaDocumentAudioCommand,
  MediaDocumentIdCommand,
  ResolvePromptCommand,
  StoreBoxGreetingCommand,
  UpdateMediaDocumentCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { MediaDocumentsService } from './media-documents.service';

@Controller()
export class MediaDocumentsHandler {
  constructor(private readonly docs: MediaDocumentsService) {}

  @HandleCommand(Commands.MediaDocumentCreate)
  create(cmd: CreateMediaDocumentCommand) {
    return this.docs.create(cmd);
  }

  @HandleCommand(Commands.MediaDocumentGet)
  get(cmd: MediaDocumentIdCommand) {
    return this.docs.get(cmd);
  }

  @HandleCommand(Commands.MediaDocumentList)
  list(cmd: ListMediaDocumentsCommand) {
    return this.docs.list(cmd);
  }

  @HandleCommand(Commands.MediaResolvePrompt)
  resolvePrompt(cmd: ResolvePromptCommand) {
    return this.docs.resolvePrompt(cmd);
  }

  @HandleCommand(Commands.MediaDocumentUpdate)
  update(cmd: UpdateMediaDocumentCommand) {
    return this.docs.update(cmd);
  }

  @HandleCommand(Commands.MediaDocumentDelete)
  delete(cmd: MediaDocumentIdCommand) {
    return this.docs.delete(cmd);
  }

  @HandleCommand(Commands.MediaDocumentAttach)
  attach(cmd: AttachMediaDocumentCommand) {
    return this.docs.attach(cmd);
  }

  @HandleCommand(Commands.MediaDocumentAudio)
  audio(cmd: MediaDocumentAudioCommand) {
    return this.docs.audio(cmd);
  }

  @HandleCommand(Commands.BoxGreetingFind)
  findBoxGreeting(cmd: BoxGreetingCommand) {
    return this.docs.findBoxGreeting(cmd);
  }

  @HandleCommand(Commands.BoxGreetingStore)
  storeBoxGreeting(cmd: StoreBoxGreetingCommand) {
    return this.docs.storeBoxGreeting(cmd);
  }
}
