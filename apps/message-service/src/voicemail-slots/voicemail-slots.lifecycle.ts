// Sweeps voicemail slots that were never filled, once their upload URL has expired.
import { Inject, Injectable } from '@nestjs/common';
import { SweeperLifecycle } from '@voxmail/messaging';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { VoicemailSlotsService } from './voicemail-slots.service';

@Injectable()
export class VoicemailSlotsLifecycle extends SweeperLifecycle {
  constructor(
    private readonly slots: VoicemailSlotsService,
    @Inject(MESSAGE_SETTINGS) settings: MessageSettings,
  ) {
    super('slot sweep', settings.sweepIntervalMs);
  }

  protected work(): Promise<number> {
    return this.slots.sweepExpired();
  }
}
