// Kazoo crossbar: a box's message-waiting counts for a PBX that polls instead of subscribing to mwi.updated.
import { Get, Param, Req } from '@nestjs/common';
import { Commands } from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import {} from './request';
import { pathId } from './params';

@KazooController('accounts/:accountId/vmboxes/:vmboxId/mwi')
export class VmboxMwiController {
  constructor(private readonly bus: CommandBus) {}

  /** `{new, saved}`, the same counts `mwi.updated` carries. */
  @Get()
  async get(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
  ): Promise<KazooResult> {
    const r = await this.bus.send(Commands.MessageMwi, {
      tenantId: pathId(a),
      actor: req.actor!,
      vmboxId: pathId(b),
    });
    return { data: { vmbox_id: pathId(b), new: r.new, saved: r.saved } };
  }
}
