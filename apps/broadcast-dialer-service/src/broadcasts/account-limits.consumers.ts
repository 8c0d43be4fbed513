// The dialer's copy of each account's limits, projected from mailbox-service's `account.limits_updated`
// (never read from its tables): the claim loop and the batch acceptance read it locally. The consumer's
// inbox makes each event apply once; an older event than the one applied is ignored.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, eventSubject, Events, isHexId } from '@voxmail/contracts';
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION, perDatabaseDurable } from '@voxmail/messaging';
import { AccountLimitsRepository, AccountLimitsRow } from './account-limits.repository';

export const DIALER_CONFIG_URL = Symbol('DIALER_CONFIG_URL');

const intOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;

/** Reads an `account.limits_updated` envelope; a malformed one throws (retried, then parked). */
export function limitsOf(e: EventEnvelope): AccountLimitsRow & { occurredAt: Date } {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const occurredAt = new Date(e.occurredAt);
  const weight = d.dialer_weight;
  if (!isHexId(e.tenantId) || Number.isNaN(occurredAt.getTime()) || !Number.isInteger(weight))
    throw new Error(`malformed ${Events.AccountLimitsUpdated.type} event`);
  return {
    max_concurrent_calls: intOrNull(d.max_concurrent_calls),
    calls_per_second: intOrNull(d.calls_per_second),
    max_queued_calls: intOrNull(d.max_queued_calls),
    weight: Math.max(1, weight as number),
    occurredAt,
  };
}

@Injectable()
export class AccountLimitsProjection implements OnApplicationBootstrap {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly lifecycle: MessagingLifecycle,
    private readonly limits: AccountLimitsRepository,
    @Inject(DIALER_CONFIG_URL) private readonly databaseUrl: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumer = new EventConsumer(
      this.nc,
      this.ds,
      'dialer',
      {
        durable: perDatabaseDurable('dialer-limits', this.databaseUrl),
        filterSubjects: [eventSubject('*', Events.AccountLimitsUpdated.type)],
      },
      (e, m) => this.apply(e, m),
    );
    await this.lifecycle.addConsumer(consumer);
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    if (e.type !== Events.AccountLimitsUpdated.type) return;
    const l = limitsOf(e);
    await this.limits.apply(m, e.tenantId, l, l.occurredAt);
  }
}
