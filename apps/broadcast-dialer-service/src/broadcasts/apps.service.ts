// Broadcast apps and the do-not-call list of an account.
import { Inject, Injectable } from '@nestjs/common';
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
import * as sip from 'sip';
import {
  AccountAccess,
  AllowedNetworks,
  refusedAddress,
  resolveTarget,
  TargetRefused,
} from '@voxmail/messaging';
import { SecretBox } from '../secret-box';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { parseAppDoc } from './app-doc';
import { AppsRepository } from './apps.repository';
import { DncRepository } from './dnc.repository';

@Injectable()
export class AppsService {
  private readonly box: SecretBox;
  private readonly trunkNetworks: AllowedNetworks;

  constructor(
    private readonly apps: AppsRepository,
    private readonly dnc: DncRepository,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    private readonly access: AccountAccess,
  ) {
    this.box = new SecretBox(settings.secret);
    this.trunkNetworks = new AllowedNetworks(settings.sip.allowedTrunkNetworks);
  }

  /**
   * A `sip` trunk must be where the operator lets the dialer call: its host is resolved once and every
   * address checked (public, or in DIALER_ALLOWED_TRUNK_NETWORKS), as at each dial; a host that does not
   * exist is refused too. A name whose resolver does not answer now is taken: each dial checks it again.
   */
  private async checkTrunk(trunkUri: unknown): Promise<void> {
    if (typeof trunkUri !== 'string') return;
    const refuse = (rule: string, message: string) => {
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        'settings.trunk_uri': { [rule]: { message } },
      });
    };
    const host = /^sips?:(?:[^@]*@)?(\[[^\]]*\]|[^:;?>]*)/.exec(trunkUri)?.[1] ?? '';
    if (!host) refuse('format', 'trunk_uri must name a host');
    try {
      await resolveTarget(host, this.trunkNetworks, { timeoutMs: 3000 });
    } catch (e) {
      if (e instanceof TargetRefused) refuse('forbidden', `trunk_uri names ${e.message}`);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA')
        refuse('forbidden', `trunk_uri's host ${host} does not exist`);
    }
    if (!sip.parseUri(trunkUri)?.host) refuse('format', 'trunk_uri must be a sip: URI the dialer can use');
  }

  /** The trunk password of an app, decrypted for the carrier adapter; never in a reply. */
  async password(tenantId: string, appId: string): Promise<string | undefined> {
    const enc = await this.apps.credentials(tenantId, appId);
    return enc ? this.box.decrypt(enc) : undefined;
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
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const cfg = parseAppDoc(cmd.doc, { stored: true });
    this.checkWebhookTarget(cfg.webhookUrl);
    if (cfg.carrier === 'sip') await this.checkTrunk(cfg.settings.trunk_uri);
    const { id: _id, password_set: _p, ...rest } = cmd.doc;
    void _id;
    void _p;
    const doc: JsonObject = { ...rest, settings: cfg.settings };
    const enc = await this.apps.put(
      cmd.tenantId,
      cmd.appId,
      doc,
      cfg.password !== undefined ? this.box.encrypt(cfg.password) : null,
      cfg.cps,
      cfg.maxConcurrent,
    );
    return this.view(cmd.appId, doc, enc);
  }

  private view(id: string, doc: JsonObject, enc: string | null): JsonObject {
    return { ...doc, id, password_set: !!enc };
  }

  async get(cmd: AppIdCommand): Promise<JsonObject> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const row = await this.apps.get(cmd.tenantId, cmd.appId);
    if (!row) throw DomainError.notFound('app not found');
    return this.view(cmd.appId, row.doc, row.credentials_enc);
  }

  async list(cmd: TenantCommand): Promise<JsonObject[]> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const rows = await this.apps.list(cmd.tenantId);
    return rows.map((r) => this.view(r.id, r.doc, r.credentials_enc));
  }

  async delete(cmd: AppIdCommand): Promise<JsonObject> {
    const app = await this.get(cmd);
    await this.apps.delete(cmd.tenantId, cmd.appId);
    return app;
  }

  async dncAdd(cmd: DncCommand): Promise<{ numbers: string[] }> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    await this.dnc.add(cmd.tenantId, cmd.numbers);
    return this.dncList(cmd);
  }

  async dncRemove(cmd: DncCommand): Promise<{ numbers: string[] }> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    await this.dnc.remove(cmd.tenantId, cmd.numbers);
    return this.dncList(cmd);
  }

  async dncList(cmd: TenantCommand): Promise<{ numbers: string[] }> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    return { numbers: await this.dnc.list(cmd.tenantId) };
  }
}
