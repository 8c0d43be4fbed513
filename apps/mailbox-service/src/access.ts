// Who may act on which account: another tenant's data answers 404, exactly as a missing one does.
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';

/** True when the actor may see data of `tenantId` (before checking the account exists). */
export function canSeeTenant(actor: Actor, tenantId: string): boolean {
  return actor.role === 'operator' || actor.accountId === tenantId;
}

export function assertTenantVisible(actor: Actor, tenantId: string): void {
  if (!canSeeTenant(actor, tenantId)) throw DomainError.notFound();
}

export function assertAdmin(actor: Actor): void {
  if (actor.role === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
}
