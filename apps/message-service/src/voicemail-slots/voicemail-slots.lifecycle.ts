// Sweeps voicemail slots that were never filled, once their upload URL has expired.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@voxmail/messaging';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { VoicemailSlotsService } from './voicemail-slots.service';

@Injectable()
export class VoicemailSlotsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(VoicemailSlotsLifecycle.name);
  private readonly sweeper = new PeriodicTask('slot sweep', () => this.slots.sweepExpired(), this.log);

  constructor(
    private readonly slots: VoicemailSlotsService,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper.start(this.settings.sweepIntervalMs);
  }

  sweep(): Promise<number> {
    return this.sweeper.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweeper.stop();
  }
}
