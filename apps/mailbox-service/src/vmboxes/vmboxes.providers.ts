// What mailbox.module registers for voicemail boxes.
import { loadOrExit } from '@voxmail/config';
import { BoxGreetings } from './box-greetings';
import { MessageCountsProjection } from './message-counts.projection';
import { loadPinPolicy } from './pin-lock';
import { VmboxEntity } from './vmbox.entity';
import { VmboxesHandler } from './vmboxes.handler';
import { VmboxesRepository } from './vmboxes.repository';
import { PIN_POLICY, VmboxPins } from './vmbox-pins';
import { VmboxesService } from './vmboxes.service';
import { Vmboxes1764000000001 } from '../migrations/1764000000001-vmboxes';

export const VMBOX_ENTITIES = [VmboxEntity];
export const VMBOX_MIGRATIONS = [Vmboxes1764000000001];
export const VMBOX_HANDLERS = [VmboxesHandler];
export const VMBOX_PROVIDERS = [
  { provide: PIN_POLICY, useFactory: () => loadOrExit(() => loadPinPolicy()) },
  VmboxesRepository,
  VmboxesService,
  VmboxPins,
  BoxGreetings,
  MessageCountsProjection,
];
