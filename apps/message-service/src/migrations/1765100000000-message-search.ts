import { MigrationInterface, QueryRunner } from 'typeorm';

/** The caller id part of the search vector: name and number as written, the number's digits alone. */
export const CALLER_ID_VECTOR = `setweight(to_tsvector('simple'::regconfig,
        coalesce(doc ->> 'caller_id_name', '') || ' ' || coalesce(doc ->> 'caller_id_number', '') || ' ' ||
        regexp_replace(coalesce(doc ->> 'caller_id_number', ''), '[^0-9]', '', 'g')), 'B')`;

/**
 * Full-text search of messages (`?q=`): a generated tsvector of the transcription text (English stemming,
 * weight A) and the caller id name and number (as written and digits only, no stemming, weight B), with a
 * GIN index. Generated, so every write path keeps it in step without code.
 */
export class MessageSearch1765100000000 implements MigrationInterface {
  name = 'MessageSearch1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message.messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english'::regconfig, coalesce(doc #>> '{transcription,text}', '')), 'A') ||
      ${CALLER_ID_VECTOR}
    ) STORED`);
    await q.query(`CREATE INDEX messages_search_idx ON message.messages USING gin (search)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS message.messages_search_idx`);
    await q.query(`ALTER TABLE message.messages DROP COLUMN IF EXISTS search`);
  }
}
