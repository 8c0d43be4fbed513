// Sweeps voicemail slots that were never filled, once their upload URL has expired.
import { Sweeper } from '@voxmail/messaging';
import { MESSAGE_SETTINGS } from '../settings';
import { VoicemailSlotsService } from './voicemail-slots.service';

export class VoicemailSlotsLifecycle extends Sweeper({
  name: 'slot sweep',
  of: VoicemailSlotsService,
  settings: MESSAGE_SETTINGS,
  work: (slots) => slots.sweepExpired(),
}) {}
