// Who may act on which account: another tenant's data answers 404, exactly as a missing one does.
// The rule itself (own account, or a descendant for an admin) is `canReach` in libs/contracts/tenancy,
// applied by its one implementation (libs/messaging AccountAccess; here on the account row mailbox-service
// loads anyway); other services ask this one for an account's tree (`Commands.AccountTree`).
import {
  Actor,
  assertAdminRole,
  assertReach,
  DomainError,
  ErrorCode,
  isAncestorActor,
  TreeNode,
} from '@voxmail/contracts';

export { canReach, isAncestorActor } from '@voxmail/contracts';
export type { TreeNode } from '@voxmail/contracts';

export function assertReachable(actor: Actor, account: TreeNode | null | undefined): asserts account {
  assertReach(actor, account);
}

export function assertAdmin(actor: Actor): void {
  assertAdminRole(actor);
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
