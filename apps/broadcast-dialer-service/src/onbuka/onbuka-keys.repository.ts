// dialer.onbuka_keys (imported Onbuka key pairs, the secret encrypted). dialer.onbuka_seen, the triples
// once refused as replays, is no longer written: a sendGroup replay answers its first reply instead.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class OnbukaKeysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores a key pair for the tenant (a new secret replaces the old one); false when the Api-Key is
   * bound to another tenant (it is not moved).
   */
  async put(apiKey: string, tenantId: string, secretEnc: string): Promise<boolean> {
    const rows: { tenant_id: string }[] = await this.ds.query(
      `INSERT INTO dialer.onbuka_keys (api_key, tenant_id, secret_enc) VALUES ($1, $2, $3)
       ON CONFLICT (api_key) DO UPDATE SET secret_enc = EXCLUDED.secret_enc
         WHERE dialer.onbuka_keys.tenant_id = EXCLUDED.tenant_id
       RETURNING tenant_id`,
      [apiKey, tenantId, secretEnc],
    );
    return rows.length > 0;
  }

  async find(apiKey: string): Promise<{ tenant_id: string; secret_enc: string } | undefined> {
    const rows: { tenant_id: string; secret_enc: string }[] = await this.ds.query(
      `SELECT tenant_id, secret_enc FROM dialer.onbuka_keys WHERE api_key = $1`,
      [apiKey],
    );
    return rows[0];
  }
}
