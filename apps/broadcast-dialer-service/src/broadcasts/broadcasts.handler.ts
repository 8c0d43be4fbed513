// NATS command handlers of broadcasts, apps, the do-not-call list and the Onbuka key pairs.
import { Controller } from '@nestjs/common';
import {
  AppIdCommand,
  BroadcastCallsCommand,
  BroadcastIdCommand,
  CallRecordCommand,
  CallRecordQueryCommand,
  Commands,
  CreateBroadcastCommand,
  DncCommand,
  ImportOnbukaKeyCommand,
  OnbukaAuthCommand,
  PutAppCommand,
  TenantOnlyCommand,
} from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { OnbukaKeysService } from '../onbuka/onbuka-keys.service';
import { AppsService } from './apps.service';
import { BroadcastsService } from './broadcasts.service';

@Controller()
export class BroadcastsHandler {
  constructor(
    private readonly broadcasts: BroadcastsService,
    private readonly apps: AppsService,
    private readonly onbuka: OnbukaKeysService,
  ) {}

  @HandleCommand(Commands.OnbukaAuth)
  onbukaAuth(cmd: OnbukaAuthCommand) {
    return this.onbuka.authenticate(cmd);
  }

  @HandleCommand(Commands.OnbukaImportKey)
  onbukaImport(cmd: ImportOnbukaKeyCommand) {
    return this.onbuka.importKey(cmd);
  }

  @HandleCommand(Commands.BroadcastCreate)
  create(cmd: CreateBroadcastCommand) {
    return this.broadcasts.create(cmd);
  }

  @HandleCommand(Commands.BroadcastList)
  list(cmd: TenantOnlyCommand) {
    return this.broadcasts.list(cmd);
  }

  @HandleCommand(Commands.BroadcastGet)
  get(cmd: BroadcastIdCommand) {
    return this.broadcasts.get(cmd);
  }

  @HandleCommand(Commands.BroadcastCalls)
  calls(cmd: BroadcastCallsCommand) {
    return this.broadcasts.calls(cmd);
  }

  @HandleCommand(Commands.BroadcastCallRecord)
  record(cmd: CallRecordCommand) {
    return this.broadcasts.record(cmd);
  }

  @HandleCommand(Commands.BroadcastCallRecordQuery)
  recordQuery(cmd: CallRecordQueryCommand) {
    return this.broadcasts.recordQuery(cmd);
  }

  @HandleCommand(Commands.BroadcastCancel)
  cancel(cmd: BroadcastIdCommand) {
    return this.broadcasts.cancel(cmd);
  }

  @HandleCommand(Commands.BroadcastAppPut)
  appPut(cmd: PutAppCommand) {
    return this.apps.put(cmd);
  }

  @HandleCommand(Commands.BroadcastAppGet)
  appGet(cmd: AppIdCommand) {
    return this.apps.get(cmd);
  }

  @HandleCommand(Commands.BroadcastAppList)
  appList(cmd: TenantOnlyCommand) {
    return this.apps.list(cmd);
  }

  @HandleCommand(Commands.BroadcastAppDelete)
  appDelete(cmd: AppIdCommand) {
    return this.apps.delete(cmd);
  }

  @HandleCommand(Commands.DncAdd)
  dncAdd(cmd: DncCommand) {
    return this.apps.dncAdd(cmd);
  }

  @HandleCommand(Commands.DncList)
  dncList(cmd: TenantOnlyCommand) {
    return this.apps.dncList(cmd);
  }

  @HandleCommand(Commands.DncRemove)
  dncRemove(cmd: DncCommand) {
    return this.apps.dncRemove(cmd);
  }
}
