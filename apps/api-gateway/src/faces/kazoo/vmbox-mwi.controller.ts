// Kazoo crossbar: a box's message-waiting counts for a PBX that polls instead of subscribing to mwi.updated.
import { Get, Req } from '@nestjs/common';
import { Commands } from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import {} from './request';
import { AccountId, VmboxId } from './params';

@KazooController('accounts/:accountId/vmboxes/:vmboxId/mwi')
export class VmboxMwiController {
  constructor(private readonly bus: CommandBus) {}

  /** `{new, saved}`, the same counts `mwi.updated` carries. */
  @Get()
  async get(@Req() req: GatewayRequest, @AccountId() a: string, @VmboxId() b: string): Promise<KazooResult> {
    const r = await this.bus.send(Commands.MessageMwi, {
      tenantId: a,
      actor: req.actor!,
      vmboxId: b,
    });
    return { data: { vmbox_id: b, new: r.new, saved: r.saved } };
  }
}
