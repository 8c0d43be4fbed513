import { MigrationInterface, QueryRunner } from 'typeorm';
import { idempotencyTableDown, idempotencyTableUp } from '@voxmail/persistence';

/** The idempotency keys of this service's creates (libs/messaging idempotency.ts). */
export class IdempotencyKeys1764950000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764950000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of idempotencyTableUp('media')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of idempotencyTableDown('media')) await q.query(sql);
  }
}
