// Who may act on which account: another tenant's data answers 404, exactly as a missing one does.
// The rule itself (own account, or a descendant for an admin) is `canReach` in libs/contracts/tenancy;
// every tenancy check of the platform ends there: the gateway passes the path's account through,
// mailbox-service checks it on the account row it loads, message-service authorizes through Vmbox.Get,
// media-storage through message-service.
import { Actor, canReach, DomainError, ErrorCode, TreeNode } from '@voxmail/contracts';

export { canReach, isAncestorActor } from '@voxmail/contracts';
export type { TreeNode } from '@voxmail/contracts';

export function assertReachable(actor: Actor, account: TreeNode | null | undefined): asserts account {
  if (!account || !canReach(actor, account)) throw DomainError.notFound();
}

export function assertAdmin(actor: Actor): void {
  if (actor.role === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
}
