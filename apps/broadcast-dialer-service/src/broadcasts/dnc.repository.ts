// dialer.dnc_numbers: an account's do-not-call list.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class DncRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async add(tenantId: string, numbers: string[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO dialer.dnc_numbers (tenant_id, number) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [tenantId, numbers],
    );
  }

  async remove(tenantId: string, numbers: string[]): Promise<void> {
    await this.ds.query(`DELETE FROM dialer.dnc_numbers WHERE tenant_id = $1 AND number = ANY($2::text[])`, [
      tenantId,
      numbers,
    ]);
  }

  async list(tenantId: string): Promise<string[]> {
    const rows: { number: string }[] = await this.ds.query(
      `SELECT number FROM dialer.dnc_numbers WHERE tenant_id = $1 ORDER BY number LIMIT 10000`,
      [tenantId],
    );
    return rows.map((r) => r.number);
  }
}
