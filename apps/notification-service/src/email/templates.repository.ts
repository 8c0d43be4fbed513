// Per-account e-mail templates (notification.templates).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EmailTemplate } from './template';

@Injectable()
export class TemplatesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async find(tenantId: string, id: string): Promise<{ doc: EmailTemplate; version: number } | undefined> {
    const rows: { doc: EmailTemplate; version: number }[] = await this.ds.query(
      `SELECT doc, version FROM notification.templates WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0];
  }

  /** Writes the account's template; its new version. */
  async upsert(tenantId: string, id: string, doc: EmailTemplate): Promise<number> {
    const [row]: { version: number }[] = await this.ds.query(
      `INSERT INTO notification.templates (tenant_id, id, doc) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc, version = notification.templates.version + 1
       RETURNING version`,
      [tenantId, id, doc],
    );
    return row.version;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.ds.query(`DELETE FROM notification.templates WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
  }
}
