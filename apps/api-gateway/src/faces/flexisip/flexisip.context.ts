// What the face takes from the gateway around it: the command bus and config (CoreModule), and its own
// settings and link signer.
import { Inject, Injectable } from '@nestjs/common';
import type { FlexisipSettings, GatewayConfig } from '@voxmail/config';
import { CommandBus, GATEWAY_CONFIG } from '../../common/command-bus';
import { SlotLinks } from './slot-links';

@Injectable()
export class FlexisipContext {
  /** The face's own settings (GatewayConfig.flexisip, validated at start in libs/config). */
  readonly settings: FlexisipSettings;
  readonly links: SlotLinks;

  constructor(
    readonly bus: CommandBus,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.settings = config.flexisip;
    this.links = new SlotLinks(config.secret, config.publicBaseUrl);
  }
}
