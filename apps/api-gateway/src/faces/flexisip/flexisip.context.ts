// What the face takes from the gateway around it: the command bus and config (CoreModule), and its own
// settings and link signer.
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '@voxmail/config';
import { CommandBus, GATEWAY_CONFIG } from '../../common/command-bus';
import { FlexisipSettings, loadFlexisipSettings } from './flexisip.settings';
import { SlotLinks } from './slot-links';

@Injectable()
export class FlexisipContext {
  readonly settings: FlexisipSettings = loadFlexisipSettings();
  readonly links: SlotLinks;

  constructor(
    readonly bus: CommandBus,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.links = new SlotLinks(config.secret, config.publicBaseUrl);
  }
}
