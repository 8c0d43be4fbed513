// Webhooks of an account: Kazoo-shaped documents, one signing secret each (shown once, at creation).
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { NotificationConfig } from '@voxmail/config';
import {
  Actor,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  ErrorCode,
  JsonObject,
  ListCommand,
  ListReply,
  contentRevision,
  mergePatch,
  newId,
  revisionOf,
  StoredDocument,
  UpdateDocCommand,
  HEX_ID,
  STREAM_NAME,
} from '@voxmail/contracts';
import { NATS_CONNECTION, AccountAccess } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG } from '../tokens';
import { SecretSealer } from './sealing';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { checkWebhook, WebhookFields } from './webhook-doc';
import { WebhookQuota } from './webhook-quota';
import { WebhookRow, WebhooksRepository } from './webhooks.repository';

@Injectable()
export class WebhooksService {
  readonly sealer: SecretSealer;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly access: AccountAccess,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly quota: WebhookQuota,
  ) {
    this.sealer = new SecretSealer(config.secret);
  }

  /** The stream's last sequence now: every event up to it was published before the webhook existed. */
  private async streamPosition(): Promise<number> {
    const jsm = await this.nc.jetstreamManager();
    return (await jsm.streams.info(STREAM_NAME)).state.last_seq;
  }

  private authorize(actor: Actor, tenantId: string): Promise<void> {
    return this.access.require(actor, tenantId, { admin: true });
  }

  private view(r: WebhookRow): DocReply {
    const doc = { ...r.doc, enabled: r.enabled, id: r.id } as StoredDocument;
    if (!r.enabled && r.failures >= this.config.webhooks.disableAfterFailures)
      doc.disabled_reason = 'too_many_failures';
    return { doc, revision: revisionOf(r.id, r.version) };
  }

  private async row(tenantId: string, id: string): Promise<WebhookRow> {
    if (!HEX_ID.test(id)) throw DomainError.notFound();
    const row = await this.webhooks.find(tenantId, id);
    if (!row) throw DomainError.notFound();
    return row;
  }

  async create(cmd: CreateDocCommand): Promise<DocReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    const fields = checkWebhook(cmd.doc, this.config.webhooks.allowPrivateTargets);
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    const doc = this.stored(cmd.doc, fields);
    // it starts now: the fan-out skips events at or before this stream position, and events that occurred
    // before its creation time (published later, e.g. from an outbox that was behind)
    const startSeq = await this.streamPosition();
    // the account's webhook count (its max_webhooks, else 100) is checked under its lock with the insert
    await this.quota.create(cmd.tenantId, (m) =>
      this.webhooks.insert(
        {
          tenantId: cmd.tenantId,
          id,
          doc,
          hook: fields.hook,
          enabled: fields.enabled,
          secretSealed: this.sealer.seal(secret),
          startSeq,
        },
        m,
      ),
    );
    const r = this.view({ id, doc, enabled: fields.enabled, failures: 0, version: 1 });
    // the only time the secret leaves the service: the receiver needs it to check signatures
    return { ...r, doc: { ...r.doc, secret } };
  }

  /** The checked fields, plus a client's other keys (Kazoo keeps custom keys), never `secret` or `id`. */
  private stored(input: JsonObject, fields: WebhookFields): JsonObject {
    const { id: _id, secret: _s, disabled_reason: _d, ...rest } = input;
    return { ...rest, ...fields };
  }

  async get(cmd: DocIdCommand): Promise<DocReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    return this.view(await this.row(cmd.tenantId, cmd.id));
  }

  async list(cmd: ListCommand): Promise<ListReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    const rows = await this.webhooks.list(cmd.tenantId);
    const items = rows.map((r) => {
      const d = this.view(r).doc;
      return { id: d.id, name: d.name, uri: d.uri, hook: d.hook, enabled: d.enabled };
    });
    return { items, revision: contentRevision(items) };
  }

  async update(cmd: UpdateDocCommand): Promise<DocReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    const current = await this.row(cmd.tenantId, cmd.id);
    if (cmd.ifRevision && cmd.ifRevision !== revisionOf(current.id, current.version))
      throw new DomainError(ErrorCode.RevisionConflict, 'the document changed since you read it');
    const input =
      cmd.mode === 'merge' ? mergePatch({ ...current.doc, enabled: current.enabled }, cmd.doc) : cmd.doc;
    const fields = checkWebhook(input, this.config.webhooks.allowPrivateTargets);
    const doc = this.stored(input, fields);
    // enabling again starts a new run: the failures that disabled it no longer count
    const row = await this.webhooks.update({
      tenantId: cmd.tenantId,
      id: cmd.id,
      doc,
      hook: fields.hook,
      enabled: fields.enabled,
      version: current.version,
    });
    if (!row) throw new DomainError(ErrorCode.RevisionConflict, 'the document changed meanwhile');
    return this.view(row);
  }

  async delete(cmd: DocIdCommand): Promise<DocReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    const current = await this.row(cmd.tenantId, cmd.id);
    await this.webhooks.delete(cmd.tenantId, cmd.id);
    const r = this.view(current);
    return { ...r, doc: { ...r.doc, _read_only: { deleted: true } } as StoredDocument };
  }

  /** Every attempt, newest first (the last 500). */
  async attempts(cmd: DocIdCommand): Promise<ListReply> {
    await this.authorize(cmd.actor, cmd.tenantId);
    await this.row(cmd.tenantId, cmd.id);
    const rows = await this.deliveries.attempts(cmd.tenantId, cmd.id);
    const items = rows.map((r) => ({
      ...r,
      result: r.ok ? 'success' : 'failure',
    }));
    return { items, revision: contentRevision(items) };
  }
}
