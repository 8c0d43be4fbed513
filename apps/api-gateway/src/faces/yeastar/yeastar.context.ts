// What the face takes from the gateway around it: the command bus, the token verifier, the config, and
// its own settings and link signers.
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { GatewayConfig, YeastarSettings } from '@voxmail/config';
import { RevocationView } from '../../auth/revocation-view';
import { TokenVerifier } from '../../auth/token-verifier';
import { CommandBus, GATEWAY_CONFIG } from '../../common/command-bus';
import { PlayLinks } from './play-links';

/** The gateway module's providers, read lazily (non-strict) so mounting the face is one import. */
@Injectable()
export class YeastarContext {
  private cached?: { links: PlayLinks };

  constructor(private readonly refs: ModuleRef) {}

  get bus(): CommandBus {
    return this.refs.get(CommandBus, { strict: false });
  }

  get tokens(): TokenVerifier {
    return this.refs.get(TokenVerifier, { strict: false });
  }

  get revocations(): RevocationView {
    return this.refs.get(RevocationView, { strict: false });
  }

  private get config(): GatewayConfig {
    return this.refs.get<GatewayConfig>(GATEWAY_CONFIG, { strict: false });
  }

  /** The face's own settings (GatewayConfig.yeastar, validated at start in libs/config). */
  get settings(): YeastarSettings {
    return this.config.yeastar;
  }

  private signers() {
    if (!this.cached) {
      const config = this.config;
      this.cached = { links: new PlayLinks(config.secret) };
    }
    return this.cached;
  }

  get links(): PlayLinks {
    return this.signers().links;
  }
}
