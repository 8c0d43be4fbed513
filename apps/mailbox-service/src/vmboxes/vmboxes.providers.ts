// What mailbox.module registers for voicemail boxes.
import type { MailboxConfig } from '@voxmail/config';
import { MAILBOX_CONFIG } from '../tokens';
import { BoxGreetings } from './box-greetings';
import { MessageCountsConsumers } from './message-counts.consumers';
import { DEFAULT_PIN_POLICY, PinPolicy } from './pin-lock';
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
  {
    provide: PIN_POLICY,
    useFactory: (c: MailboxConfig): PinPolicy => ({ ...DEFAULT_PIN_POLICY, lockSeconds: c.pinLockSeconds }),
    inject: [MAILBOX_CONFIG],
  },
  VmboxesRepository,
  VmboxesService,
  VmboxPins,
  BoxGreetings,
  MessageCountsConsumers,
];
