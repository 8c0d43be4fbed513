// message.box_projection and message.account_projection rows (see box-projection.ts for what they hold).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AccountTranscription, StoredDocument } from '@voxmail/contracts';

export interface BoxProjectionRow {
  doc: StoredDocument;
  owner_id: string | null;
  members: string[];
  deleted: boolean;
  account_known: boolean;
  account_deleted: boolean | null;
  max_message_count: unknown;
  max_message_length: unknown;
  tree: string[] | null;
  transcription: unknown;
}

@Injectable()
export class BoxProjectionRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** A box as an event says it is, unless the row is a tombstone or reflects a later event. */
  async upsertBox(
    m: EntityManager,
    b: {
      tenantId: string;
      id: string;
      doc: StoredDocument;
      ownerId: string | null;
      members: string[];
      at: Date;
    },
  ): Promise<void> {
    // a tombstone is final: box ids are never reused, so no later event brings a box back
    await m.query(
      `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc, owner_id = EXCLUDED.owner_id,
         members = EXCLUDED.members, changed_at = EXCLUDED.changed_at
       WHERE NOT message.box_projection.deleted AND message.box_projection.changed_at <= EXCLUDED.changed_at`,
      [b.tenantId, b.id, b.doc, b.ownerId, b.members, b.at],
    );
  }

  /** An account's limit defaults as an event says, unless the row is deleted or reflects a later event. */
  async upsertAccount(
    m: EntityManager,
    a: {
      tenantId: string;
      maxMessageCount: string;
      maxMessageLength: string;
      deleted: boolean;
      at: Date;
      tree: string[] | null;
      transcription: AccountTranscription;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO message.account_projection
         (tenant_id, max_message_count, max_message_length, tree, deleted, changed_at, transcription)
       VALUES ($1, $2, $3, $6, $4, $5, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET max_message_count = EXCLUDED.max_message_count,
         max_message_length = EXCLUDED.max_message_length, deleted = EXCLUDED.deleted,
         transcription = EXCLUDED.transcription,
         tree = COALESCE(EXCLUDED.tree, message.account_projection.tree),
         changed_at = EXCLUDED.changed_at
       WHERE NOT message.account_projection.deleted AND message.account_projection.changed_at <= EXCLUDED.changed_at`,
      [a.tenantId, a.maxMessageCount, a.maxMessageLength, a.deleted, a.at, a.tree, a.transcription],
    );
  }

  async tombstone(m: EntityManager, tenantId: string, vmboxId: string, at: Date): Promise<void> {
    await m.query(
      `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, deleted, changed_at)
       VALUES ($1, $2, $3, NULL, '{}', true, $4)
       ON CONFLICT (tenant_id, id) DO UPDATE SET deleted = true`,
      [tenantId, vmboxId, { id: vmboxId }, at],
    );
  }

  async find(tenantId: string, vmboxId: string): Promise<BoxProjectionRow | undefined> {
    const rows: BoxProjectionRow[] = await this.ds.query(
      `SELECT b.doc, b.owner_id, b.members, b.deleted, a.tenant_id IS NOT NULL AS account_known,
              a.deleted AS account_deleted, a.max_message_count, a.max_message_length, a.tree,
              a.transcription
         FROM message.box_projection b
         LEFT JOIN message.account_projection a ON a.tenant_id = b.tenant_id
        WHERE b.tenant_id = $1 AND b.id = $2`,
      [tenantId, vmboxId],
    );
    return rows[0];
  }

  /** A box row that counts as older than any event (changed_at = the epoch); never replaces one. */
  async insertIfMissing(
    tenantId: string,
    doc: StoredDocument,
    ownerId: string | null,
    members: string[],
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, changed_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp(0)) ON CONFLICT DO NOTHING`,
      [tenantId, doc.id, doc, ownerId, members],
    );
  }
}
