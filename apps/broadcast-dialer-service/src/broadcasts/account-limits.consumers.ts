// The dialer's copy of each account's limits, projected from mailbox-service's `account.limits_updated`
// (never read from its tables): the claim loop and the batch acceptance read it locally. The consumer's
// inbox makes each event apply once; an older event than the one applied is ignored.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataOf, EventEnvelope, Events, isHexId } from '@voxmail/contracts';
import { HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { AccountLimitsRepository, AccountLimitsRow } from './account-limits.repository';

type LimitsData = DataOf<typeof Events.AccountLimitsUpdated>;

const intOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;

/** Reads an `account.limits_updated` envelope; a malformed one throws (retried, then parked). */
export function limitsOf(e: EventEnvelope<LimitsData>): AccountLimitsRow & { occurredAt: Date } {
  const d = e.data;
  const occurredAt = new Date(e.occurredAt);
  const weight = d.dialer_weight;
  if (!isHexId(e.tenantId) || Number.isNaN(occurredAt.getTime()) || !Number.isInteger(weight))
    throw new Error(`malformed ${Events.AccountLimitsUpdated.type} event`);
  return {
    max_concurrent_calls: intOrNull(d.max_concurrent_calls),
    calls_per_second: intOrNull(d.calls_per_second),
    max_queued_calls: intOrNull(d.max_queued_calls),
    weight: Math.max(1, weight),
    occurredAt,
  };
}

@Injectable()
export class AccountLimitsConsumers {
  constructor(private readonly limits: AccountLimitsRepository) {}

  @HandleEvent(Events.AccountLimitsUpdated, { durable: 'dialer-limits', perDatabase: true })
  async accountLimitsUpdated(e: ReceivedEvent<LimitsData>, m: EntityManager): Promise<void> {
    const l = limitsOf(e);
    await this.limits.apply(m, e.tenantId, l, l.occurredAt);
  }
}
