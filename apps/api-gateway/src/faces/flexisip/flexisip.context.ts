// What the face takes from the gateway around it: the command bus, the config, and its own settings.
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { GatewayConfig } from '@voxmail/config';
import { CommandBus, GATEWAY_CONFIG } from '../../common/command-bus';
import { FlexisipSettings, loadFlexisipSettings } from './flexisip.settings';
import { SlotLinks } from './signed-links';

/**
 * The bus and config are the gateway module's providers; the face reads them lazily (non-strict) so
 * that mounting the face stays a single import in gateway.module.ts.
 */
@Injectable()
export class FlexisipContext {
  readonly settings: FlexisipSettings = loadFlexisipSettings();
  private cachedLinks?: SlotLinks;

  constructor(private readonly refs: ModuleRef) {}

  get bus(): CommandBus {
    return this.refs.get(CommandBus, { strict: false });
  }

  get links(): SlotLinks {
    if (!this.cachedLinks) {
      const config = this.refs.get<GatewayConfig>(GATEWAY_CONFIG, { strict: false });
      this.cachedLinks = new SlotLinks(config.secret, config.publicBaseUrl);
    }
    return this.cachedLinks;
  }
}
