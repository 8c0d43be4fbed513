import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTablesDown, outboxTablesUp } from '@voxmail/persistence';

export class Outbox1764000000000 implements MigrationInterface {
  name = 'Outbox1764000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxTablesUp('transcription')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of outboxTablesDown('transcription')) await q.query(sql);
  }
}
