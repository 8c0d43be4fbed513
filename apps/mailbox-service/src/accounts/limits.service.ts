// An account's limits (`/v2/accounts/{id}/limits`): anyone who reaches the account reads them; only the
// operator or a reseller above the account sets them (a tenant cannot raise its own). Stored here, beside
// the account tree the decision needs, and announced as `account.limits_updated` in the same transaction
// so each enforcing service (the dialer: calls) keeps its own copy.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AccountLimits,
  CreateDocCommand,
  DomainError,
  ErrorCode,
  Events,
  isAncestorActor,
  newEvent,
  NO_LIMITS,
  parseLimits,
  TenantCommand,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { MAILBOX_SCHEMA } from '../tokens';
import { AccountsService } from './accounts.service';

@Injectable()
export class LimitsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly accounts: AccountsService,
  ) {}

  /** The account's limits as set (defaults: null), in `m` when given. */
  async limitsOf(tenantId: string, m?: EntityManager): Promise<AccountLimits> {
    const rows: { doc: AccountLimits }[] = await (m ?? this.ds).query(
      `SELECT doc FROM mailbox.account_limits WHERE tenant_id = $1`,
      [tenantId],
    );
    return { ...NO_LIMITS, ...(rows[0]?.doc ?? {}) };
  }

  async get(cmd: TenantCommand): Promise<AccountLimits> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    return this.limitsOf(cmd.tenantId);
  }

  /** Replaces the account's limits (absent keys: the default). */
  async set(cmd: CreateDocCommand): Promise<AccountLimits> {
    const account = await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    if (!isAncestorActor(cmd.actor, account))
      throw new DomainError(
        ErrorCode.Forbidden,
        'only the operator or a reseller above the account may set its limits',
      );
    const limits = parseLimits(cmd.doc);
    return this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO mailbox.account_limits (tenant_id, doc, updated_at) VALUES ($1, $2, now())
           ON CONFLICT (tenant_id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()`,
        [cmd.tenantId, limits],
      );
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.AccountLimitsUpdated, {
          tenantId: cmd.tenantId,
          aggregateId: cmd.tenantId,
          data: limits,
        }),
      ]);
      return limits;
    });
  }
}
