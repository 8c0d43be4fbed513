// The tenancy rule of the whole platform, in one place: which accounts an actor reaches. Accounts form a
// tree (Kazoo's resellers); every account row carries its ancestors (`tree`, root first), so the check
// is one array test on the target account, which the caller reads anyway. mailbox-service applies it
// (apps/mailbox-service/src/access.ts); a service holding a projection of accounts applies the same
// function to the `tree` that `account.created` carries.
import type { Actor } from './commands';

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
