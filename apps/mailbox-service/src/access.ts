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

/**
 * Who may disable or re-enable an account: the operator only (a tenant must not switch itself back on
 * after the operator switched it off, nor lock itself out). The one place to widen this, e.g. to an
 * ancestor reseller of the account.
 */
export function assertMayEnableOrDisable(
  actor: Actor,
  account: { id: string; parentId: string | null },
): void {
  void account;
  if (actor.role !== 'operator')
    throw new DomainError(ErrorCode.Forbidden, 'only the operator may disable or enable an account');
}
