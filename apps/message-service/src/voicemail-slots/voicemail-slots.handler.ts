// NATS command handlers of voicemail slots: validate, then call the service.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CompleteSlotUploadCommand,
  CreateSlotCommand,
  SlotIdCommand,
  SlotUploadCommand,
  Subjects,
  UserSlotsCommand,
  validateCommand as v,
} from '@voxmail/contracts';
import { VoicemailSlotsService } from './voicemail-slots.service';

@Controller()
export class VoicemailSlotsHandler {
  constructor(private readonly slots: VoicemailSlotsService) {}

  @MessagePattern(Subjects.VoicemailSlot.Create)
  create(@Payload() p: unknown) {
    return this.slots.create(v(CreateSlotCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.Get)
  get(@Payload() p: unknown) {
    return this.slots.get(v(SlotIdCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.List)
  list(@Payload() p: unknown) {
    return this.slots.list(v(UserSlotsCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.Delete)
  delete(@Payload() p: unknown) {
    return this.slots.delete(v(SlotIdCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.BeginUpload)
  beginUpload(@Payload() p: unknown) {
    return this.slots.beginUpload(v(SlotUploadCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.CompleteUpload)
  completeUpload(@Payload() p: unknown) {
    return this.slots.completeUpload(v(CompleteSlotUploadCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.AbortUpload)
  abortUpload(@Payload() p: unknown) {
    return this.slots.abortUpload(v(CompleteSlotUploadCommand, p));
  }

  @MessagePattern(Subjects.VoicemailSlot.Audio)
  audio(@Payload() p: unknown) {
    return this.slots.audio(v(SlotUploadCommand, p));
  }
}
