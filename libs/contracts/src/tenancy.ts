// The tenancy rule of the whole platform, in one place: which accounts an actor reaches. Accounts form a
// tree (Kazoo's resellers); every account row carries its ancestors (`tree`, root first), so the check
// is one array test on the target account. Every service applies it through one implementation,
// `AccountAccess` (libs/messaging/src/account-access.ts): with the tree it holds (mailbox-service's
// account row, message-service's projection) or with the tree it asks mailbox-service for
// (`Commands.AccountTree`). The answers are the same everywhere: an account the actor does not reach
// is 404 (exactly as a missing one), an admin-only resource asked by a user is 403.
import type { Actor } from './commands';
import { DomainError, ErrorCode } from './errors';

/** The part of an account tenancy needs: its id and its ancestors (root first). */
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

/**
 * What the rule says without the account's tree: `true` (the operator, or the actor's own account),
 * `false` (no tree could let this actor in: a user, or an admin of the account itself handled above),
 * or `undefined` when only the account's ancestors decide (an admin of another account).
 */
export function reachWithoutTree(actor: Actor, accountId: string): boolean | undefined {
  if (canReach(actor, { id: accountId, tree: [] })) return true;
  if (!canReach(actor, { id: accountId, tree: [actor.accountId] })) return false;
  return undefined;
}

/** 404, exactly as for a missing account, unless the actor reaches the account. */
export function assertReach(actor: Actor, account: TreeNode | null | undefined): asserts account {
  if (!account || !canReach(actor, account)) throw DomainError.notFound();
}

/** 403 for a user-level actor on an admin resource (asked after the reach check, so a foreign one is 404). */
export function assertAdminRole(actor: Actor): void {
  if (actor.role === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
}
