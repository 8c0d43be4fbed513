// NATS command handlers of voicemail boxes: the registry validates, then one service call.
import { Controller } from '@nestjs/common';
import {
  Commands,
  CreateDocCommand,
  DeleteVmboxCommand,
  DocIdCommand,
  ListCommand,
  MediaDocumentIdCommand,
  OwnedVmboxCommand,
  UpdateDocCommand,
  VerifyPinCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { BoxGreetings } from './box-greetings';
import { VmboxPins } from './vmbox-pins';
import { VmboxesService } from './vmboxes.service';

@Controller()
export class VmboxesHandler {
  constructor(
    private readonly vmboxes: VmboxesService,
    private readonly pins: VmboxPins,
    private readonly greetings: BoxGreetings,
  ) {}

  @HandleCommand(Commands.VmboxGreetings)
  greetingsOf(cmd: DocIdCommand) {
    return this.vmboxes.greetingsOf(cmd);
  }

  @HandleCommand(Commands.VmboxesUsingMedia)
  usingMedia(cmd: MediaDocumentIdCommand) {
    return this.greetings.using(cmd);
  }

  @HandleCommand(Commands.VmboxCreate)
  create(cmd: CreateDocCommand) {
    return this.vmboxes.create(cmd);
  }

  @HandleCommand(Commands.VmboxGet)
  get(cmd: DocIdCommand) {
    return this.vmboxes.get(cmd);
  }

  @HandleCommand(Commands.VmboxOwnedBy)
  ownedBy(cmd: OwnedVmboxCommand) {
    return this.vmboxes.ownedBy(cmd);
  }

  @HandleCommand(Commands.VmboxList)
  list(cmd: ListCommand) {
    return this.vmboxes.list(cmd);
  }

  @HandleCommand(Commands.VmboxUpdate)
  update(cmd: UpdateDocCommand) {
    return this.vmboxes.update(cmd);
  }

  @HandleCommand(Commands.VmboxDelete)
  delete(cmd: DeleteVmboxCommand) {
    return this.vmboxes.delete(cmd);
  }

  @HandleCommand(Commands.VmboxVerifyPin)
  verifyPin(cmd: VerifyPinCommand) {
    return this.pins.verifyPin(cmd);
  }
}
