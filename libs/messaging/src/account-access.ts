// The one implementation of the tenancy rule (`canReach`, libs/contracts/src/tenancy.ts) that every
// service calls: the operator and the account's own credentials are decided at once; an admin of another
// account is decided on the account's tree, which the service either holds (mailbox-service's row,
// message-service's projection: `requireWithTree`) or asks mailbox-service for (`Commands.AccountTree`,
// within the service's `TENANCY_LOOKUP_TIMEOUT_MS`). Whatever the source, the answers are the same:
// another tenant's account is 404 exactly like a missing one, an admin resource asked by a user is 403.
import type { NatsConnection } from 'nats';
import {
  Actor,
  assertAdminRole,
  assertReach,
  Commands,
  DomainError,
  ErrorCode,
  reachWithoutTree,
  TreeNode,
} from '@voxmail/contracts';
import { CommandClient } from './rpc';

export interface ReachOptions {
  /** An admin resource: a user-level actor that reaches the account gets 403 (after the 404 check). */
  admin?: boolean;
}

/** Where a service finds an account's tree: null when there is no such (live) account. */
export type TreeSource = (tenantId: string) => Promise<TreeNode | null>;

export class AccountAccess {
  constructor(private readonly treeOf: TreeSource) {}

  /** An access that asks mailbox-service for trees (services with no projection of accounts). */
  static askingMailbox(nc: NatsConnection, timeoutMs: number): AccountAccess {
    const mailbox = new CommandClient(nc, timeoutMs);
    return new AccountAccess(async (tenantId) => {
      try {
        return await mailbox.send(Commands.AccountTree, { tenantId });
      } catch (e) {
        if (e instanceof DomainError && e.code === ErrorCode.NotFound) return null;
        throw e;
      }
    });
  }

  /** 404 unless the actor reaches the account; 403 for a user on an admin resource. */
  async require(actor: Actor, tenantId: string, opts: ReachOptions = {}): Promise<void> {
    const decided = reachWithoutTree(actor, tenantId);
    if (decided === false) throw DomainError.notFound();
    if (decided === undefined) assertReach(actor, await this.treeOf(tenantId));
    if (opts.admin) assertAdminRole(actor);
  }

  /** The same rule on a tree the caller already holds (null: no such account, 404). */
  static requireWithTree(actor: Actor, account: TreeNode | null | undefined, opts: ReachOptions = {}): void {
    assertReach(actor, account);
    if (opts.admin) assertAdminRole(actor);
  }
}
