import { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableDown, idempotencyTableUp } from '@voxmail/persistence';

/** The idempotency keys of this service's creates (libs/messaging idempotency.ts). */
export class IdempotencyKeys1764950000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764950000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of idempotencyTableUp('message')) await q.query(sql);
    // a deposit is unique per box and call_id: the lookup the deposit makes under the box's counter lock
    await q.query(
      `CREATE INDEX messages_call_id_idx ON message.messages (tenant_id, vmbox_id, (doc->>'call_id'))
        WHERE doc ? 'call_id'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS message.messages_call_id_idx`);
    for (const sql of idempotencyTableDown('message')) await q.query(sql);
  }
}
