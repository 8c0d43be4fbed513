// Who may act on which account, in one place: another tenant's data answers 404, exactly as a missing
// one does. Accounts form a tree (Kazoo's resellers); an admin reaches its own account and the accounts
// below it, never those above or beside it. Every tenancy check of the platform ends here: the gateway
// passes the path's account through, message-service authorizes through Vmbox.Get, media through
// message-service.
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';

/** The part of an account row tenancy needs: its id and its ancestors (root first). */
export interface TreeNode {
  id: string;
  tree: readonly string[];
}

/**
 * True when the actor may see data of `account`: the operator everywhere, anyone in its own account,
 * an admin (API key, admin user or admin client) also in every descendant of its account.
 */
export function canReach(actor: Actor, account: TreeNode): boolean {
  if (actor.role === 'operator' || actor.accountId === account.id) return true;
  return actor.role === 'admin' && account.tree.includes(actor.accountId);
}

/** True when the actor acts from a strict ancestor of `account` (the operator is everyone's ancestor). */
export function isAncestorActor(actor: Actor, account: TreeNode): boolean {
  if (actor.role === 'operator') return actor.accountId !== account.id;
  return actor.role === 'admin' && account.tree.includes(actor.accountId);
}

export function assertReachable(actor: Actor, account: TreeNode | null | undefined): asserts account {
  if (!account || !canReach(actor, account)) throw DomainError.notFound();
}

export function assertAdmin(actor: Actor): void {
  if (actor.role === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
}
