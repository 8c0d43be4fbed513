// Who may act on which account: another tenant's data answers 404, exactly as a missing one does.
// The rule itself (own account, or a descendant for an admin) is `canReach` in libs/contracts/tenancy;
// every tenancy check of the platform ends there: the gateway passes the path's account through,
// mailbox-service checks it on the account row it loads, message-service authorizes through Vmbox.Get,
// media-storage through message-service.
import { Actor, canReach, DomainError, ErrorCode, isAncestorActor, TreeNode } from '@voxmail/contracts';

export { canReach, isAncestorActor } from '@voxmail/contracts';
export type { TreeNode } from '@voxmail/contracts';

export function assertReachable(actor: Actor, account: TreeNode | null | undefined): asserts account {
  if (!account || !canReach(actor, account)) throw DomainError.notFound();
}

export function assertAdmin(actor: Actor): void {
  if (actor.role === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
}

/**
 * Who may disable or re-enable an account: the operator, or a reseller above the account (a tenant must
 * not switch itself back on after being switched off, nor lock itself out). The operator's own account
 * is never disabled.
 */
export function assertMayEnableOrDisable(actor: Actor, account: TreeNode & { isOperator: boolean }): void {
  if (account.isOperator)
    throw new DomainError(ErrorCode.Forbidden, 'the operator account cannot be disabled');
  if (!isAncestorActor(actor, account))
    throw new DomainError(
      ErrorCode.Forbidden,
      'only the operator or a reseller above the account may disable or enable it',
    );
}
