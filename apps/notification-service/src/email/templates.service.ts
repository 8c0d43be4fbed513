// Per-account notification templates, Kazoo's `/v2/accounts/{id}/notifications/voicemail_to_email`: an
// account's own subject and text, or the platform's default when it has none.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  DocReply,
  DomainError,
  ErrorCode,
  NotificationTemplateCommand,
  revisionOf,
  StoredDocument,
} from '@voxmail/contracts';
import { AccountAccess } from '../access';
import { DEFAULT_TEMPLATE, EmailTemplate, MACROS } from './template';

const invalid = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { type: { message } } });

@Injectable()
export class TemplatesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly access: AccountAccess,
  ) {}

  /** The template e-mails of the account use. */
  async effective(tenantId: string, id: string): Promise<EmailTemplate> {
    const rows: { doc: EmailTemplate }[] = await this.ds.query(
      `SELECT doc FROM notification.templates WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0]?.doc ?? DEFAULT_TEMPLATE;
  }

  private reply(id: string, doc: EmailTemplate, version: number | null): DocReply {
    return {
      doc: {
        id,
        subject: doc.subject,
        text: doc.text,
        macros: [...MACROS],
        _read_only: { default: version === null },
      } as StoredDocument,
      revision: revisionOf(id, version ?? 0),
    };
  }

  async get(cmd: NotificationTemplateCommand): Promise<DocReply> {
    await this.access.requireAdmin(cmd.actor, cmd.tenantId);
    const rows: { doc: EmailTemplate; version: number }[] = await this.ds.query(
      `SELECT doc, version FROM notification.templates WHERE tenant_id = $1 AND id = $2`,
      [cmd.tenantId, cmd.id],
    );
    return rows[0]
      ? this.reply(cmd.id, rows[0].doc, rows[0].version)
      : this.reply(cmd.id, DEFAULT_TEMPLATE, null);
  }

  async update(cmd: NotificationTemplateCommand): Promise<DocReply> {
    await this.access.requireAdmin(cmd.actor, cmd.tenantId);
    const d = cmd.doc ?? {};
    const subject = d.subject ?? DEFAULT_TEMPLATE.subject;
    const text = d.text ?? DEFAULT_TEMPLATE.text;
    if (typeof subject !== 'string' || !subject.trim() || subject.length > 998)
      throw invalid('subject', 'Value must be a string of 1 to 998 characters');
    if (typeof text !== 'string' || !text.trim() || text.length > 65536)
      throw invalid('text', 'Value must be a string of 1 to 65536 characters');
    const doc: EmailTemplate = { subject, text };
    const [row]: { version: number }[] = await this.ds.query(
      `INSERT INTO notification.templates (tenant_id, id, doc) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc, version = notification.templates.version + 1
       RETURNING version`,
      [cmd.tenantId, cmd.id, doc],
    );
    return this.reply(cmd.id, doc, row.version);
  }

  async delete(cmd: NotificationTemplateCommand): Promise<DocReply> {
    await this.access.requireAdmin(cmd.actor, cmd.tenantId);
    await this.ds.query(`DELETE FROM notification.templates WHERE tenant_id = $1 AND id = $2`, [
      cmd.tenantId,
      cmd.id,
    ]);
    return this.reply(cmd.id, DEFAULT_TEMPLATE, null);
  }
}
