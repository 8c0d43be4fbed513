// Broadcast apps and the do-not-call list of an account.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  AppIdCommand,
  DncCommand,
  DomainError,
  ErrorCode,
  JsonObject,
  PutAppCommand,
  TenantCommand,
} from '@voxmail/contracts';
import { isIP } from 'node:net';
import { refusedAddress } from '@voxmail/messaging';
import { SecretBox } from '../secret-box';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { assertAdmin, assertTenant } from './access';
import { parseAppDoc } from './app-doc';

@Injectable()
export class AppsService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
  ) {
    this.box = new SecretBox(settings.secret);
  }

  /** The trunk password of an app, decrypted for the carrier adapter; never in a reply. */
  async password(tenantId: string, appId: string): Promise<string | undefined> {
    const rows: { credentials_enc: string | null }[] = await this.ds.query(
      `SELECT credentials_enc FROM dialer.apps WHERE tenant_id = $1 AND id = $2`,
      [tenantId, appId],
    );
    return rows[0]?.credentials_enc ? this.box.decrypt(rows[0].credentials_enc) : undefined;
  }

  /**
   * A webhook URL naming a refused address outright (loopback, private, link-local) is refused when the
   * app is stored; a name is checked when each delivery resolves it (libs/messaging guardedLookup).
   */
  private checkWebhookTarget(url: string | null): void {
    if (!url) return;
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      host = '';
    }
    const why = host && isIP(host) ? refusedAddress(host, this.settings.webhooks.allowPrivateTargets) : null;
    if (!host || why)
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        webhook_url: {
          forbidden: { message: host ? `webhook_url names ${why}` : 'webhook_url is not a URL' },
        },
      });
  }

  async put(cmd: PutAppCommand): Promise<JsonObject> {
    assertAdmin(cmd.actor, cmd.tenantId);
    const cfg = parseAppDoc(cmd.doc);
    this.checkWebhookTarget(cfg.webhookUrl);
    const { id: _id, password_set: _p, ...rest } = cmd.doc;
    void _id;
    void _p;
    const doc: JsonObject = { ...rest, settings: cfg.settings };
    const rows: { credentials_enc: string | null }[] = await this.ds.query(
      `INSERT INTO dialer.apps (tenant_id, id, doc, credentials_enc, cps, max_concurrent, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc,
         credentials_enc = COALESCE(EXCLUDED.credentials_enc, dialer.apps.credentials_enc),
         cps = EXCLUDED.cps, max_concurrent = EXCLUDED.max_concurrent, updated_at = now()
       RETURNING credentials_enc`,
      [
        cmd.tenantId,
        cmd.appId,
        JSON.stringify(doc),
        cfg.password !== undefined ? this.box.encrypt(cfg.password) : null,
        cfg.cps,
        cfg.maxConcurrent,
      ],
    );
    return this.view(cmd.appId, doc, rows[0].credentials_enc);
  }

  private view(id: string, doc: JsonObject, enc: string | null): JsonObject {
    return { ...doc, id, password_set: !!enc };
  }

  async get(cmd: AppIdCommand): Promise<JsonObject> {
    assertTenant(cmd.actor, cmd.tenantId);
    const rows: { doc: JsonObject; credentials_enc: string | null }[] = await this.ds.query(
      `SELECT doc, credentials_enc FROM dialer.apps WHERE tenant_id = $1 AND id = $2`,
      [cmd.tenantId, cmd.appId],
    );
    if (!rows[0]) throw DomainError.notFound('app not found');
    return this.view(cmd.appId, rows[0].doc, rows[0].credentials_enc);
  }

  async list(cmd: TenantCommand): Promise<JsonObject[]> {
    assertTenant(cmd.actor, cmd.tenantId);
    const rows: { id: string; doc: JsonObject; credentials_enc: string | null }[] = await this.ds.query(
      `SELECT id, doc, credentials_enc FROM dialer.apps WHERE tenant_id = $1 ORDER BY id LIMIT 1000`,
      [cmd.tenantId],
    );
    return rows.map((r) => this.view(r.id, r.doc, r.credentials_enc));
  }

  async delete(cmd: AppIdCommand): Promise<JsonObject> {
    const app = await this.get(cmd);
    assertAdmin(cmd.actor, cmd.tenantId);
    await this.ds.query(`DELETE FROM dialer.apps WHERE tenant_id = $1 AND id = $2`, [
      cmd.tenantId,
      cmd.appId,
    ]);
    return app;
  }

  async dncAdd(cmd: DncCommand): Promise<{ numbers: string[] }> {
    assertAdmin(cmd.actor, cmd.tenantId);
    await this.ds.query(
      `INSERT INTO dialer.dnc_numbers (tenant_id, number) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [cmd.tenantId, cmd.numbers],
    );
    return this.dncList(cmd);
  }

  async dncRemove(cmd: DncCommand): Promise<{ numbers: string[] }> {
    assertAdmin(cmd.actor, cmd.tenantId);
    await this.ds.query(`DELETE FROM dialer.dnc_numbers WHERE tenant_id = $1 AND number = ANY($2::text[])`, [
      cmd.tenantId,
      cmd.numbers,
    ]);
    return this.dncList(cmd);
  }

  async dncList(cmd: TenantCommand): Promise<{ numbers: string[] }> {
    assertTenant(cmd.actor, cmd.tenantId);
    const rows: { number: string }[] = await this.ds.query(
      `SELECT number FROM dialer.dnc_numbers WHERE tenant_id = $1 ORDER BY number LIMIT 10000`,
      [cmd.tenantId],
    );
    return { numbers: rows.map((r) => r.number) };
  }
}
