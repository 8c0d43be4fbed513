// Who sees a box, and how a PIN changes: shared by the box documents and the PIN checks.
import type { Actor } from '@voxmail/contracts';
import type { VmboxEntity } from './vmbox.entity';

/** A user-level actor sees a box it owns or is a member of; admins and the operator see every box. */
export function canSee(actor: Actor, b: VmboxEntity): boolean {
  if (actor.role !== 'user') return true;
  return !!actor.userId && (b.ownerId === actor.userId || b.members.includes(actor.userId));
}

/** What a write does to a box's PIN. */
export type PinChange = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; pin: string };
