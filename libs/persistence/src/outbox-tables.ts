// DDL of the outbox, inbox and parked-event tables every service keeps in its own schema.
export function outboxTablesUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".outbox (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL,
      subject text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text
    )`,
    `CREATE INDEX outbox_unpublished_idx ON "${schema}".outbox (seq) WHERE published_at IS NULL`,
    `CREATE TABLE "${schema}".inbox (
      consumer text NOT NULL,
      event_id text NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
    `CREATE TABLE "${schema}".parked_events (
      consumer text NOT NULL,
      event_id text NOT NULL,
      subject text NOT NULL,
      payload text NOT NULL,
      deliveries integer NOT NULL,
      error text,
      parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
  ];
}

export function outboxTablesDown(schema: string): string[] {
  return [
    `DROP TABLE IF EXISTS "${schema}".parked_events`,
    `DROP TABLE IF EXISTS "${schema}".inbox`,
    `DROP TABLE IF EXISTS "${schema}".outbox`,
  ];
}

/**
 * DDL of the idempotency keys a service keeps in its own schema (libs/messaging `idempotency.ts`): one
 * row per account and client key, written in the create's own transaction, its reply beside it; rows
 * older than 24 h are expired.
 */
export function idempotencyTableUp(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".idempotency_keys (
      scope text NOT NULL,
      key text NOT NULL,
      hash text NOT NULL,
      subject text NOT NULL,
      reply jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`,
    `CREATE INDEX idempotency_keys_created_idx ON "${schema}".idempotency_keys (created_at)`,
  ];
}

export function idempotencyTableDown(schema: string): string[] {
  return [`DROP TABLE IF EXISTS "${schema}".idempotency_keys`];
}
