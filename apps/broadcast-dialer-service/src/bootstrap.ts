import type { ServiceConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { DialerModule } from './dialer.module';
import { DialerSettings, loadDialerSettings } from './settings';

/** `settings` overrides what the environment says (tests inject a clock, a replica id, timings). */
export function startDialerService(
  config: ServiceConfig,
  opts?: { handleSignals?: boolean; settings?: Partial<DialerSettings> },
): Promise<RunningService> {
  const settings = { ...loadDialerSettings(), ...opts?.settings };
  return bootstrapService(
    DialerModule.register(config, settings) as never,
    config,
    QUEUE_GROUPS.dialer,
    opts,
  );
}
