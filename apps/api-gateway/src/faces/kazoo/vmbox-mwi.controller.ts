// Kazoo crossbar: a box's message-waiting counts for a PBX that polls instead of subscribing to mwi.updated.
import { Get } from '@nestjs/common';
import { Commands } from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import { closed, Responds } from '../../common/openapi-meta';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { Box } from './params';

@KazooController('accounts/:accountId/vmboxes/:vmboxId/mwi')
export class VmboxMwiController {
  constructor(private readonly bus: CommandBus) {}

  /** `{new, saved}`, the same counts `mwi.updated` carries. */
  @Get()
  @Responds({
    schema: closed({
      vmbox_id: { type: 'string' },
      new: { type: 'integer', minimum: 0 },
      saved: { type: 'integer', minimum: 0 },
    }),
  })
  async get(@Box() box: Box): Promise<KazooResult> {
    const r = await this.bus.send(Commands.MessageMwi, box);
    return { data: { vmbox_id: box.vmboxId, new: r.new, saved: r.saved } };
  }
}
