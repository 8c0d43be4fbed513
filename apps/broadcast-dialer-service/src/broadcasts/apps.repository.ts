// dialer.apps: an account's broadcast apps (their document, the trunk password encrypted, pacing limits).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JsonObject } from '@voxmail/contracts';

export interface AppRow {
  id: string;
  doc: JsonObject;
  credentials_enc: string | null;
}

@Injectable()
export class AppsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async exists(tenantId: string, appId: string): Promise<boolean> {
    const app: unknown[] = await this.ds.query(`SELECT 1 FROM dialer.apps WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      appId,
    ]);
    return app.length > 0;
  }

  /** The encrypted trunk password of an app (null when it has none), undefined when there is no app. */
  async credentials(tenantId: string, appId: string): Promise<string | null | undefined> {
    const rows: { credentials_enc: string | null }[] = await this.ds.query(
      `SELECT credentials_enc FROM dialer.apps WHERE tenant_id = $1 AND id = $2`,
      [tenantId, appId],
    );
    return rows[0]?.credentials_enc;
  }

  /** Creates or replaces an app; a null `credentialsEnc` keeps the stored one. The credentials now stored. */
  async put(
    tenantId: string,
    appId: string,
    doc: JsonObject,
    credentialsEnc: string | null,
    cps: number,
    maxConcurrent: number,
  ): Promise<string | null> {
    const rows: { credentials_enc: string | null }[] = await this.ds.query(
      `INSERT INTO dialer.apps (tenant_id, id, doc, credentials_enc, cps, max_concurrent, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc,
         credentials_enc = COALESCE(EXCLUDED.credentials_enc, dialer.apps.credentials_enc),
         cps = EXCLUDED.cps, max_concurrent = EXCLUDED.max_concurrent, updated_at = now()
       RETURNING credentials_enc`,
      [tenantId, appId, JSON.stringify(doc), credentialsEnc, cps, maxConcurrent],
    );
    return rows[0].credentials_enc;
  }

  async get(tenantId: string, appId: string): Promise<Omit<AppRow, 'id'> | undefined> {
    const rows: { doc: JsonObject; credentials_enc: string | null }[] = await this.ds.query(
      `SELECT doc, credentials_enc FROM dialer.apps WHERE tenant_id = $1 AND id = $2`,
      [tenantId, appId],
    );
    return rows[0];
  }

  list(tenantId: string): Promise<AppRow[]> {
    return this.ds.query(
      `SELECT id, doc, credentials_enc FROM dialer.apps WHERE tenant_id = $1 ORDER BY id LIMIT 1000`,
      [tenantId],
    );
  }

  async delete(tenantId: string, appId: string): Promise<void> {
    await this.ds.query(`DELETE FROM dialer.apps WHERE tenant_id = $1 AND id = $2`, [tenantId, appId]);
  }
}
