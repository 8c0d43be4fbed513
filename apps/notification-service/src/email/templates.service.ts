// Per-account notification templates, Kazoo's `/v2/accounts/{id}/notifications/voicemail_to_email`: an
// account's own subject and text, or the platform's default when it has none.
import { AccountAccess } from '@voxmail/messaging';
import { Injectable } from '@nestjs/common';
import {
  DocReply,
  DomainError,
  ErrorCode,
  NotificationTemplateCommand,
  revisionOf,
  StoredDocument,
} from '@voxmail/contracts';
import { DEFAULT_TEMPLATE, EmailTemplate, MACROS } from './template';
import { TemplatesRepository } from './templates.repository';

const invalid = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { type: { message } } });

@Injectable()
export class TemplatesService {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly access: AccountAccess,
  ) {}

  /** The template e-mails of the account use. */
  async effective(tenantId: string, id: string): Promise<EmailTemplate> {
    return (await this.templates.find(tenantId, id))?.doc ?? DEFAULT_TEMPLATE;
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
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const row = await this.templates.find(cmd.tenantId, cmd.id);
    return row ? this.reply(cmd.id, row.doc, row.version) : this.reply(cmd.id, DEFAULT_TEMPLATE, null);
  }

  async update(cmd: NotificationTemplateCommand): Promise<DocReply> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const d = cmd.doc ?? {};
    const subject = d.subject ?? DEFAULT_TEMPLATE.subject;
    const text = d.text ?? DEFAULT_TEMPLATE.text;
    if (typeof subject !== 'string' || !subject.trim() || subject.length > 998)
      throw invalid('subject', 'Value must be a string of 1 to 998 characters');
    if (typeof text !== 'string' || !text.trim() || text.length > 65536)
      throw invalid('text', 'Value must be a string of 1 to 65536 characters');
    const doc: EmailTemplate = { subject, text };
    return this.reply(cmd.id, doc, await this.templates.upsert(cmd.tenantId, cmd.id, doc));
  }

  async delete(cmd: NotificationTemplateCommand): Promise<DocReply> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    await this.templates.delete(cmd.tenantId, cmd.id);
    return this.reply(cmd.id, DEFAULT_TEMPLATE, null);
  }
}
