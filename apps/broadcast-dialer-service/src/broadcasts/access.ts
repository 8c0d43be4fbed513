// Who may act on an account's broadcasts: its own holders, or the operator; writes need an admin.
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';

export function assertTenant(actor: Actor, tenantId: string): void {
  // another account's data answers as if it did not exist
  if (actor.role !== 'operator' && actor.accountId !== tenantId) throw DomainError.notFound();
}

export function assertAdmin(actor: Actor, tenantId: string): void {
  assertTenant(actor, tenantId);
  if (actor.role === 'user') throw new DomainError(ErrorCode.Forbidden, 'an admin is needed');
}
