// NATS command handler of the SIP account lookup (the Flexisip account manager face).
import { Controller } from '@nestjs/common';
import { Commands, SipAccountFindCommand } from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { SipAccountsService } from './sip-accounts.service';

@Controller()
export class SipAccountsHandler {
  constructor(private readonly sipAccounts: SipAccountsService) {}

  @HandleCommand(Commands.UserFindSipAccount)
  find(cmd: SipAccountFindCommand) {
    return this.sipAccounts.find(cmd);
  }
}
