// NATS command handlers of voicemail slots: one call each; the registry validates the payload.
import { Controller } from '@nestjs/common';
import {
  Commands,
  CompleteSlotUploadCommand,
  CreateSlotCommand,
  SlotIdCommand,
  SlotUploadCommand,
  UserSlotsCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { VoicemailSlotsService } from './voicemail-slots.service';

@Controller()
export class VoicemailSlotsHandler {
  constructor(private readonly slots: VoicemailSlotsService) {}

  @HandleCommand(Commands.VoicemailSlotCreate)
  create(cmd: CreateSlotCommand) {
    return this.slots.create(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotGet)
  get(cmd: SlotIdCommand) {
    return this.slots.get(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotList)
  list(cmd: UserSlotsCommand) {
    return this.slots.list(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotDelete)
  delete(cmd: SlotIdCommand) {
    return this.slots.delete(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotBeginUpload)
  beginUpload(cmd: SlotUploadCommand) {
    return this.slots.beginUpload(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotCompleteUpload)
  completeUpload(cmd: CompleteSlotUploadCommand) {
    return this.slots.completeUpload(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotAbortUpload)
  abortUpload(cmd: CompleteSlotUploadCommand) {
    return this.slots.abortUpload(cmd);
  }

  @HandleCommand(Commands.VoicemailSlotAudio)
  audio(cmd: SlotUploadCommand) {
    return this.slots.audio(cmd);
  }
}
