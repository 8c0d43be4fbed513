// Sweeps voicemail slots that were never filled, once their upload URL has expired.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { VoicemailSlotsService } from './voicemail-slots.service';

@Injectable()
export class VoicemailSlotsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(VoicemailSlotsLifecycle.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly slots: VoicemailSlotsService,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    const run = this.slots.sweepExpired();
    this.sweeping = run;
    try {
      return await run;
    } catch (e) {
      this.log.warn(`slot sweep failed: ${(e as Error).message}`);
      return 0;
    } finally {
      this.sweeping = undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }
}
