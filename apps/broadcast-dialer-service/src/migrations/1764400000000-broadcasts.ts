import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Broadcasts: apps (carrier and pacing), campaigns, their calls (the work queue, claimed with
 * FOR UPDATE SKIP LOCKED under a lease), a token bucket per app shared by every replica, the
 * do-not-call list, and the Onbuka key pairs with the (Api-Key, Timestamp, Sign) triples already seen.
 */
export class Broadcasts1764400000000 implements MigrationInterface {
  name = 'Broadcasts1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE dialer.apps (
      tenant_id char(32) NOT NULL,
      id text NOT NULL,
      doc jsonb NOT NULL,
      credentials_enc text,
      cps double precision NOT NULL,
      max_concurrent integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE dialer.pacing (
      tenant_id char(32) NOT NULL,
      app_id text NOT NULL,
      tokens double precision NOT NULL,
      refilled_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, app_id)
    )`);
    await q.query(`CREATE TABLE dialer.broadcasts (
      tenant_id char(32) NOT NULL,
      id char(32) NOT NULL,
      app_id text NOT NULL,
      file_id text NOT NULL,
      display_num text,
      max_duration integer,
      max_ringing_time integer NOT NULL,
      loop_count integer NOT NULL,
      called_info text NOT NULL,
      source text NOT NULL,
      state text NOT NULL,
      total integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX broadcasts_list_idx ON dialer.broadcasts (tenant_id, created_at DESC, id)`);
    await q.query(`CREATE TABLE dialer.calls (
      tenant_id char(32) NOT NULL,
      id text NOT NULL,
      broadcast_id char(32) NOT NULL,
      app_id text NOT NULL,
      seq integer NOT NULL,
      callee text NOT NULL,
      state text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_until timestamptz,
      reason text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX calls_of_broadcast_idx ON dialer.calls (tenant_id, broadcast_id, seq)`);
    // the work queue: only queued calls, by when they are due
    await q.query(
      `CREATE INDEX calls_due_idx ON dialer.calls (tenant_id, app_id, next_at) WHERE state = 'queued'`,
    );
    await q.query(
      `CREATE INDEX calls_active_idx ON dialer.calls (tenant_id, app_id, lease_until)
        WHERE state IN ('dialing', 'ringing', 'answered')`,
    );
    await q.query(`CREATE TABLE dialer.dial_log (
      tenant_id char(32) NOT NULL,
      call_id text NOT NULL,
      attempt integer NOT NULL,
      replica text NOT NULL,
      dialed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, call_id, attempt)
    )`);
    await q.query(`CREATE TABLE dialer.voice_counters (
      tenant_id char(32) PRIMARY KEY,
      n bigint NOT NULL
    )`);
    await q.query(`CREATE TABLE dialer.dnc_numbers (
      tenant_id char(32) NOT NULL,
      number text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, number)
    )`);
    await q.query(`CREATE TABLE dialer.onbuka_keys (
      api_key text PRIMARY KEY,
      tenant_id char(32) NOT NULL,
      secret_enc text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE dialer.onbuka_seen (
      api_key text NOT NULL,
      ts bigint NOT NULL,
      sign char(32) NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (api_key, ts, sign)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'onbuka_seen',
      'onbuka_keys',
      'dnc_numbers',
      'voice_counters',
      'dial_log',
      'calls',
      'broadcasts',
      'pacing',
      'apps',
    ])
      await q.query(`DROP TABLE IF EXISTS dialer.${t}`);
  }
}
