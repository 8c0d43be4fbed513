// Voicemail to e-mail. One durable consumer reads, in stream order, what it needs from mailbox-service's
// events (boxes, users' e-mail, accounts' time zone: its own projections, never another service's tables)
// and each message's first stored audio (`message.media_stored` without `replaced_object_id`); it mails
// the box's notify_email_addresses and its owner, then moves the message as the box says
// (save_after_notify wins over delete_after_notify). The inbox row and `emails_sent` make one e-mail per
// message; an SMTP failure rolls back and the event comes again (at least once).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import nodemailer, { Transporter } from 'nodemailer';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationConfig, SmtpConfig } from '@voxmail/config';
import {
  Actor,
  Commands,
  EVENT_SUBJECT_PREFIX,
  EventEnvelope,
  EventTypes,
  fromGregorian,
  isHexId,
  isPlainObject,
  JsonObject,
} from '@voxmail/contracts';
import { CommandClient, EventConsumer, MessagingLifecycle, NATS_CONNECTION } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from '../tokens';
import { ProjectionsRepository } from './projections.repository';
import { duration, localTime, oneLine, render, VOICEMAIL_TO_EMAIL } from './template';
import { TemplatesService } from './templates.service';

export const EMAIL_DURABLE = 'notification-email';

const BOX_EVENTS: string[] = [
  EventTypes.MailboxCreated,
  EventTypes.MailboxUpdated,
  EventTypes.MailboxDeleted,
];
const USER_EVENTS: string[] = [EventTypes.UserCreated, EventTypes.UserUpdated, EventTypes.UserDeleted];
const ACCOUNT_EVENTS: string[] = [EventTypes.AccountCreated, EventTypes.AccountUpdated];
/** Attachments above this are left out (the e-mail says so): mail servers refuse large messages. */
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const EMAIL = /^[^\s@<>(),;:"[\]]{1,64}@[A-Za-z0-9.-]{1,253}$/;

const emailsOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && EMAIL.test(x)) : [];

@Injectable()
export class VoicemailEmail implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('VoicemailEmail');
  private readonly transport: Transporter | null;
  private readonly smtp: SmtpConfig | null;
  private readonly messages: CommandClient;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly templates: TemplatesService,
    private readonly projections: ProjectionsRepository,
    @Inject(NOTIFICATION_CONFIG) config: NotificationConfig,
  ) {
    this.smtp = config.smtp;
    this.messages = new CommandClient(nc, 60000);
    this.transport = config.smtp
      ? nodemailer.createTransport({
          host: config.smtp.host,
          port: config.smtp.port,
          secure: config.smtp.secure,
          requireTLS: config.smtp.requireTls,
          tls: { rejectUnauthorized: config.smtp.rejectUnauthorized },
          auth: config.smtp.user ? { user: config.smtp.user, pass: config.smtp.password } : undefined,
          connectionTimeout: config.smtp.timeoutMs,
          greetingTimeout: config.smtp.timeoutMs,
          socketTimeout: config.smtp.timeoutMs,
        })
      : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        NOTIFICATION_SCHEMA,
        { durable: EMAIL_DURABLE, filterSubjects: [`${EVENT_SUBJECT_PREFIX}.>`], ackWaitMs: 90000 },
        (e, m) => this.apply(e, m),
      ),
    );
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    if (!isHexId(e.tenantId)) return;
    const data = isPlainObject(e.data) ? e.data : {};
    const at = new Date(e.occurredAt);
    if (BOX_EVENTS.includes(e.type) && isHexId(data.id)) {
      await this.projections.upsertBox(m, {
        tenantId: e.tenantId,
        id: data.id,
        doc: data,
        deleted: e.type === EventTypes.MailboxDeleted,
        at,
      });
      return;
    }
    if (USER_EVENTS.includes(e.type) && isHexId(data.id)) {
      const email = typeof data.email === 'string' && EMAIL.test(data.email) ? data.email : null;
      await this.projections.upsertUser(m, {
        tenantId: e.tenantId,
        id: data.id,
        email,
        deleted: e.type === EventTypes.UserDeleted,
        at,
      });
      return;
    }
    if (ACCOUNT_EVENTS.includes(e.type)) {
      await this.projections.upsertAccount(
        m,
        e.tenantId,
        typeof data.timezone === 'string' ? data.timezone : null,
        at,
      );
      return;
    }
    if (e.type === EventTypes.MessageMediaStored && data.replaced_object_id == null) {
      await this.notify(e.tenantId, data, m);
    }
  }

  private async notify(tenantId: string, msg: JsonObject, m: EntityManager): Promise<void> {
    const vmboxId = msg.vmbox_id;
    const messageId = msg.id;
    if (!isHexId(vmboxId) || typeof messageId !== 'string') return;
    const box = await this.projections.box(m, tenantId, vmboxId);
    if (!box || box.deleted) return;
    const recipients = new Set(emailsOf(box.doc.notify_email_addresses));
    if (isHexId(box.doc.owner_id)) {
      const email = await this.projections.userEmail(m, tenantId, box.doc.owner_id);
      if (email) recipients.add(email);
    }
    if (!recipients.size || !this.transport || !this.smtp) return;
    const claimed = await this.projections.claimEmail(m, {
      tenantId,
      messageId,
      vmboxId,
      recipients: recipients.size,
    });
    if (!claimed) return;

    // message-service and media-storage act for the box's own account
    const actor: Actor = { accountId: tenantId, role: 'admin' };
    const media = isPlainObject(msg.media) ? msg.media : {};
    const ts = typeof msg.timestamp === 'number' ? fromGregorian(msg.timestamp) : new Date();
    const transcription =
      box.doc.include_transcription_on_notify !== false &&
      isPlainObject(msg.transcription) &&
      typeof msg.transcription.text === 'string'
        ? `\nTranscription:\n${msg.transcription.text}\n`
        : '';
    const values = {
      caller_id_name: oneLine(String(msg.caller_id_name ?? msg.caller_id_number ?? 'unknown')),
      caller_id_number: oneLine(String(msg.caller_id_number ?? 'unknown')),
      date: localTime(ts, typeof box.doc.timezone === 'string' ? box.doc.timezone : box.timezone),
      duration: duration(typeof media.duration_ms === 'number' ? media.duration_ms : Number(msg.length ?? 0)),
      vmbox_name: oneLine(String(box.doc.name ?? '')),
      mailbox: oneLine(String(box.doc.mailbox ?? '')),
      transcription,
      message_id: messageId,
    };
    const template = await this.templates.effective(tenantId, VOICEMAIL_TO_EMAIL);
    const attachments: { filename: string; content: Buffer; contentType: string }[] = [];
    let text = render(template.text, values);
    if (box.doc.include_message_on_notify !== false) {
      const audio = await this.messages.send(Commands.MessageAudio, {
        tenantId,
        actor,
        vmboxId,
        id: messageId,
      });
      if (audio.size <= MAX_ATTACHMENT_BYTES) {
        const res = await fetch(audio.url);
        if (!res.ok) throw new Error(`audio download answered ${res.status}`);
        attachments.push({
          filename: audio.name,
          content: Buffer.from(await res.arrayBuffer()),
          contentType: audio.content_type,
        });
      } else {
        text += '\n(The recording is too large to attach.)\n';
      }
    }
    await this.transport.sendMail({
      from: this.smtp.from,
      to: [...recipients],
      subject: oneLine(render(template.subject, values)),
      text,
      attachments,
      headers: { 'X-Voxmail-Message-Id': messageId },
    });
    this.log.log(`voicemail ${messageId} mailed to ${recipients.size} recipient(s)`);
    await this.afterNotify(tenantId, vmboxId, messageId, box.doc, actor);
  }

  /** Kazoo: save_after_notify files the message as saved; delete_after_notify deletes it; save wins. */
  private async afterNotify(
    tenantId: string,
    vmboxId: string,
    id: string,
    box: JsonObject,
    actor: Actor,
  ): Promise<void> {
    if (box.save_after_notify === true) {
      await this.messages.send(Commands.MessageChange, { tenantId, actor, vmboxId, id, folder: 'saved' });
    } else if (box.delete_after_notify === true) {
      await this.messages.send(Commands.MessageDelete, { tenantId, actor, vmboxId, id });
    }
  }
}
