// Voicemail to e-mail. One durable consumer (email.consumers.ts) reads, in stream order, what it needs
// from mailbox-service's events (boxes, users' e-mail, accounts' time zone: its own projections, never
// another service's tables) and each message's first stored audio (`message.media_stored` without
// `replaced_object_id`); it mails the box's notify_email_addresses and its owner, then moves the message
// as the box says (save_after_notify wins over delete_after_notify). The consumer only records the e-mail
// as due in `emails_sent` (with the inbox row, in its transaction) and commits; a sender then mails it
// outside any transaction, marks it sent, and makes the after-notify move, retried on its own until it
// succeeds: one message gives one e-mail whatever fails after the send, and no database connection waits
// on SMTP or HTTP. Only a crash between the SMTP server's acceptance and the mark sends it again (at
// least once).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection } from 'nats';
import nodemailer, { Transporter } from 'nodemailer';
import { EntityManager } from 'typeorm';
import type { NotificationConfig, SmtpConfig } from '@voxmail/config';
import {
  Actor,
  Commands,
  EventEnvelope,
  ErrorCode,
  DomainError,
  boxTranscribes,
  fromGregorian,
  isHexId,
  isPlainObject,
  JsonObject,
  MessageEventData,
} from '@voxmail/contracts';
import { AfterCommit, CommandClient, NATS_CONNECTION, PollLoop } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG } from '../tokens';
import { EmailJob, PendingEmail, ProjectionsRepository } from './projections.repository';
import { duration, localTime, oneLine, render, VOICEMAIL_TO_EMAIL } from './template';
import { TemplatesService } from './templates.service';

/** Attachments above this are left out (the e-mail says so): mail servers refuse large messages. */
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const EMAIL = /^[^\s@<>(),;:"[\]]{1,64}@[A-Za-z0-9.-]{1,253}$/;

/** E-mails taken per round, and how long one is held by the instance that took it. */
const SEND_BATCH = 16;
const SEND_LEASE_MS = 5 * 60_000;
const POLL_MS = 1000;
/** Attempts at mailing before giving up (`failed`), and at the after-notify move. */
const MAIL_ATTEMPTS = 5;
const AFTER_NOTIFY_ATTEMPTS = 30;
const retryDelay = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6));

/** The `{{transcription}}` macro: the text under a heading, or nothing. */
const transcriptionPart = (text: unknown): string =>
  typeof text === 'string' && text.trim() ? `\nTranscription:\n${text}\n` : '';

const emailsOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && EMAIL.test(x)) : [];

@Injectable()
export class VoicemailEmail implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('VoicemailEmail');
  private readonly transport: Transporter | null;
  private readonly smtp: SmtpConfig | null;
  private readonly messages: CommandClient;
  private readonly transcriptionWaitMs: number;
  private readonly loop = new PollLoop(
    () => this.sendPending(),
    POLL_MS,
    (e) => this.log.warn(`e-mail round failed: ${e.message}`),
  );

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly templates: TemplatesService,
    private readonly projections: ProjectionsRepository,
    @Inject(NOTIFICATION_CONFIG) config: NotificationConfig,
  ) {
    this.smtp = config.smtp;
    this.transcriptionWaitMs = config.emailTranscriptionWaitMs;
    this.messages = new CommandClient(nc, config.messageTimeoutMs);
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
    if (this.transport) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    this.transport?.close();
  }

  /** An e-mail was recorded: send it now rather than at the next poll. */
  private wakeNow(): void {
    this.loop.wake();
  }

  private async sendPending(): Promise<void> {
    for (;;) {
      const pending = await this.projections.claimPending(SEND_BATCH, SEND_LEASE_MS);
      // one e-mail's trouble (its record failing to write) does not end the round for the others
      await Promise.allSettled(pending.map((p) => this.advance(p)));
      if (this.loop.stopped || pending.length < SEND_BATCH) return;
    }
  }

  /** One step of one e-mail: mail it (`due`), then the after-notify move (`sent`). */
  private async advance(p: PendingEmail): Promise<void> {
    if (p.state === 'due') {
      try {
        await this.mail(p);
      } catch (e) {
        const giveUp = p.attempts + 1 >= MAIL_ATTEMPTS;
        if (giveUp) this.log.error(`voicemail ${p.message_id} not mailed after ${MAIL_ATTEMPTS} attempts`);
        await this.projections.markFailed(p, (e as Error).message, retryDelay(p.attempts), giveUp);
        return;
      }
      // mailed: from here on, nothing may make it go out again; the mark is retried until it holds
      await this.untilStored(() => this.projections.markSent(p, p.job.after ? 'sent' : 'done'));
      this.log.log(`voicemail ${p.message_id} mailed to ${p.job.recipients.length} recipient(s)`);
      if (!p.job.after) return;
    }
    try {
      await this.afterNotify(p);
      await this.projections.markDone(p);
    } catch (e) {
      const giveUp = p.attempts + 1 >= AFTER_NOTIFY_ATTEMPTS;
      if (giveUp) this.log.error(`after-notify of voicemail ${p.message_id} given up`);
      else
        this.log.warn(`after-notify of voicemail ${p.message_id} failed, retrying: ${(e as Error).message}`);
      await this.projections
        .markFailed(p, (e as Error).message, retryDelay(p.attempts), giveUp)
        .catch(() => undefined); // the lease runs out and it is tried again
    }
  }

  /** Retries a write (the database may be away for a while) until it succeeds or the service stops. */
  private async untilStored(write: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (e) {
        if (this.loop.stopped && attempt > 0) throw e;
        this.log.warn(`could not record a sent e-mail yet: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }

  /**
   * The first stored audio of a message (`message.media_stored` without `replaced_object_id`), in the
   * consumer's transaction: its e-mail recorded as due, and the sender woken once committed.
   */
  async messageMediaStored(
    e: EventEnvelope<MessageEventData>,
    m: EntityManager,
  ): Promise<void | AfterCommit> {
    if (!isHexId(e.tenantId) || e.data.replaced_object_id != null) return;
    if (await this.record(e.tenantId, e.data, m)) return () => this.wakeNow();
  }

  /** `message.transcribed`: an e-mail still waiting for the transcription carries it and is due now. */
  async messageTranscribed(
    e: EventEnvelope<MessageEventData>,
    m: EntityManager,
  ): Promise<void | AfterCommit> {
    if (!isHexId(e.tenantId) || typeof e.data.id !== 'string') return;
    const t = isPlainObject(e.data.transcription) ? e.data.transcription : {};
    if (await this.projections.transcriptionArrived(m, e.tenantId, e.data.id, transcriptionPart(t.text)))
      return () => this.wakeNow();
  }

  /** Records the message's e-mail as due (in the consumer's transaction); true when one was recorded. */
  private async record(tenantId: string, msg: JsonObject, m: EntityManager): Promise<boolean> {
    const vmboxId = msg.vmbox_id;
    const messageId = msg.id;
    if (!isHexId(vmboxId) || typeof messageId !== 'string') return false;
    const box = await this.projections.box(m, tenantId, vmboxId);
    if (!box || box.deleted) return false;
    const recipients = new Set(emailsOf(box.doc.notify_email_addresses));
    if (isHexId(box.doc.owner_id)) {
      const email = await this.projections.userEmail(m, tenantId, box.doc.owner_id);
      if (email) recipients.add(email);
    }
    if (!recipients.size || !this.transport || !this.smtp) return false;
    const media = isPlainObject(msg.media) ? msg.media : {};
    const ts = typeof msg.timestamp === 'number' ? fromGregorian(msg.timestamp) : new Date();
    const withTranscription = box.doc.include_transcription_on_notify !== false;
    const transcription = withTranscription
      ? transcriptionPart(isPlainObject(msg.transcription) ? msg.transcription.text : undefined)
      : '';
    // a transcription on its way: the e-mail waits for it (message.transcribed), at most the configured time
    const wait =
      withTranscription &&
      !transcription &&
      this.transcriptionWaitMs > 0 &&
      boxTranscribes(box.doc, box.transcription_enabled);
    const job: EmailJob = {
      recipients: [...recipients],
      values: {
        caller_id_name: oneLine(String(msg.caller_id_name ?? msg.caller_id_number ?? 'unknown')),
        caller_id_number: oneLine(String(msg.caller_id_number ?? 'unknown')),
        date: localTime(ts, typeof box.doc.timezone === 'string' ? box.doc.timezone : box.timezone),
        duration: duration(
          typeof media.duration_ms === 'number' ? media.duration_ms : Number(msg.length ?? 0),
        ),
        vmbox_name: oneLine(String(box.doc.name ?? '')),
        mailbox: oneLine(String(box.doc.mailbox ?? '')),
        transcription,
        message_id: messageId,
      },
      includeMessage: box.doc.include_message_on_notify !== false,
      after:
        box.doc.save_after_notify === true ? 'save' : box.doc.delete_after_notify === true ? 'delete' : null,
    };
    if (wait) job.awaitTranscription = true;
    const recorded = await this.projections.recordEmail(
      m,
      { tenantId, messageId, vmboxId, recipients: recipients.size, job },
      wait ? this.transcriptionWaitMs : 0,
    );
    return recorded && !wait;
  }

  /** Mails a recorded e-mail: the template, the audio when the box wants it; no transaction open. */
  private async mail(p: PendingEmail): Promise<void> {
    if (!this.transport || !this.smtp) throw new Error('no SMTP server configured');
    const { job } = p;
    const actor = this.actorOf(p.tenant_id);
    const template = await this.templates.effective(p.tenant_id, VOICEMAIL_TO_EMAIL);
    const attachments: { filename: string; content: Buffer; contentType: string }[] = [];
    let text = render(template.text, job.values);
    if (job.includeMessage) {
      const audio = await this.messages.send(Commands.MessageAudio, {
        tenantId: p.tenant_id,
        actor,
        vmboxId: p.vmbox_id,
        id: p.message_id,
      });
      if (audio.size <= MAX_ATTACHMENT_BYTES) {
        const res = await fetch(audio.url, { signal: AbortSignal.timeout(60_000) });
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
      to: job.recipients,
      subject: oneLine(render(template.subject, job.values)),
      text,
      attachments,
      headers: { 'X-Voxmail-Message-Id': p.message_id },
    });
  }

  /** message-service and media-storage act for the box's own account. */
  private actorOf(tenantId: string): Actor {
    return { accountId: tenantId, role: 'admin' };
  }

  /**
   * Kazoo: save_after_notify files the message as saved; delete_after_notify deletes it; save wins. A
   * message already gone (deleted meanwhile) needs nothing more.
   */
  private async afterNotify(p: PendingEmail): Promise<void> {
    const cmd = {
      tenantId: p.tenant_id,
      actor: this.actorOf(p.tenant_id),
      vmboxId: p.vmbox_id,
      id: p.message_id,
    };
    try {
      if (p.job.after === 'save')
        await this.messages.send(Commands.MessageChange, { ...cmd, folder: 'saved' });
      else if (p.job.after === 'delete') await this.messages.send(Commands.MessageDelete, cmd);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.NotFound) return;
      throw e;
    }
  }
}
