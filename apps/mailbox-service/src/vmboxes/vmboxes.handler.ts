// NATS command handlers of voicemail boxes: validate, then call the service.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateDocCommand,
  DeleteVmboxCommand,
  DocIdCommand,
  ListCommand,
  OwnedVmboxCommand,
  Subjects,
  UpdateDocCommand,
  validateCommand as v,
  VerifyPinCommand,
} from '@voxmail/contracts';
import { VmboxesService } from './vmboxes.service';

@Controller()
export class VmboxesHandler {
  constructor(private readonly vmboxes: VmboxesService) {}

  @MessagePattern(Subjects.Vmbox.Create)
  create(@Payload() p: unknown) {
    return this.vmboxes.create(v(CreateDocCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.Get)
  get(@Payload() p: unknown) {
    return this.vmboxes.get(v(DocIdCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.OwnedBy)
  ownedBy(@Payload() p: unknown) {
    return this.vmboxes.ownedBy(v(OwnedVmboxCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.List)
  list(@Payload() p: unknown) {
    return this.vmboxes.list(v(ListCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.Update)
  update(@Payload() p: unknown) {
    return this.vmboxes.update(v(UpdateDocCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.Delete)
  delete(@Payload() p: unknown) {
    return this.vmboxes.delete(v(DeleteVmboxCommand, p));
  }

  @MessagePattern(Subjects.Vmbox.VerifyPin)
  verifyPin(@Payload() p: unknown) {
    return this.vmboxes.verifyPin(v(VerifyPinCommand, p));
  }
}
