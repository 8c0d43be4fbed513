// Per-account bounds of the gateway (issue 24): the request rate (RateLimits, checked by each face's
// guard once the credential is known, and looked at before anything is read by EarlyAdmission) and the
// count of replicas that share it. Global, so each face's guard injects RateLimits without importing
// this module.
import { Global, Module } from '@nestjs/common';
import { EarlyAdmission } from './early-admission';
import { GatewayPeers } from './gateway-peers';
import { RateLimits } from './rate-limits';

@Global()
@Module({
  providers: [GatewayPeers, RateLimits, EarlyAdmission],
  exports: [RateLimits, GatewayPeers, EarlyAdmission],
})
export class FairnessModule {}
