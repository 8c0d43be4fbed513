import { MigrationInterface, QueryRunner } from 'typeorm';
import { CALLER_ID_VECTOR, MessageSearch1765100000000 } from './1765100000000-message-search';

// language (first part of the tag) → PostgreSQL text search configuration; anything else: `simple`.
// Kept in step with SEARCH_CONFIGS in libs/contracts/src/transcription.ts (a migration is frozen).
const CONFIGS: [string, string][] = [
  ['ar', 'arabic'],
  ['da', 'danish'],
  ['de', 'german'],
  ['el', 'greek'],
  ['en', 'english'],
  ['es', 'spanish'],
  ['fi', 'finnish'],
  ['fr', 'french'],
  ['hu', 'hungarian'],
  ['id', 'indonesian'],
  ['it', 'italian'],
  ['nl', 'dutch'],
  ['no', 'norwegian'],
  ['nb', 'norwegian'],
  ['pt', 'portuguese'],
  ['ro', 'romanian'],
  ['ru', 'russian'],
  ['sv', 'swedish'],
  ['tr', 'turkish'],
];

/** The text search configuration of a message's transcription language (none: English, as before). */
const CONFIG_OF_MESSAGE = `CASE lower(split_part(coalesce(doc #>> '{transcription,language}', 'en'), '-', 1))
  ${CONFIGS.map(([l, c]) => `WHEN '${l}' THEN '${c}'::regconfig`).join(' ')} ELSE 'simple'::regconfig END`;

/**
 * Issue 21: search in the account's language. Each message's tsvector stems its transcription text in the
 * transcription's own `language` (the account's `transcription.language` when it was made), so the one GIN
 * index serves every language; the account's settings are projected for the query side and the
 * transcription-service's questions.
 */
export class TranscriptionLanguage1765300000000 implements MigrationInterface {
  name = 'TranscriptionLanguage1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message.account_projection ADD COLUMN transcription jsonb`);
    await q.query(`DROP INDEX IF EXISTS message.messages_search_idx`);
    await q.query(`ALTER TABLE message.messages DROP COLUMN search`);
    await q.query(`ALTER TABLE message.messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector(${CONFIG_OF_MESSAGE}, coalesce(doc #>> '{transcription,text}', '')), 'A') ||
      ${CALLER_ID_VECTOR}
    ) STORED`);
    await q.query(`CREATE INDEX messages_search_idx ON message.messages USING gin (search)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS message.messages_search_idx`);
    await q.query(`ALTER TABLE message.messages DROP COLUMN search`);
    await new MessageSearch1765100000000().up(q);
    await q.query(`ALTER TABLE message.account_projection DROP COLUMN IF EXISTS transcription`);
  }
}
