import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { DialerModule } from './dialer.module';
import { DialerConfig, DialerSettings } from './settings';

/** `settings` overrides what the configuration says (tests inject a clock, a replica id, timings). */
export function startDialerService(
  config: DialerConfig,
  opts?: { handleSignals?: boolean; settings?: Partial<DialerSettings> },
): Promise<RunningService> {
  const dialer = { ...config.dialer, ...opts?.settings };
  return bootstrapService(DialerModule.register({ ...config, dialer }), config, QUEUE_GROUPS.dialer, opts);
}
