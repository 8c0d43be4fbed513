// PINs of voicemail boxes: kept only as a peppered argon2id hash, verified with lockout after wrong ones.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  DataOf,
  DomainError,
  ErrorCode,
  EventDef,
  Events,
  NewEvent,
  newEvent,
  PinOutcomeData,
  PinVerifyReply,
  VerifyPinCommand,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { AccountsService } from '../accounts/accounts.service';
import { SecretBox } from '../auth/secrets';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import { attemptPin, PinPolicy } from './pin-lock';
import { VmboxEntity } from './vmbox.entity';
import { canSee, PinChange } from './vmbox-visibility';
import { VmboxesRepository } from './vmboxes.repository';

export const PIN_POLICY = Symbol('PIN_POLICY');

const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class VmboxPins {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly vmboxes: VmboxesRepository,
    private readonly accounts: AccountsService,
    @Inject(MAILBOX_CONFIG) config: MailboxConfig,
    @Inject(PIN_POLICY) private readonly pinPolicy: PinPolicy,
  ) {
    this.box = new SecretBox(config.secret);
  }

  /**
   * PINs are peppered with a key derived from VOXMAIL_SECRET before argon2id: a 4..6 digit PIN has
   * at most ~10^6 values, so a stolen table alone must not be enough to try them all offline.
   */
  private pepper(boxId: string, pin: string): string {
    return this.box.mac(`vmbox-pin:${boxId}:${pin}`);
  }

  private hashPin(boxId: string, pin: string): Promise<string> {
    return argon2.hash(this.pepper(boxId, pin), ARGON2_OPTIONS);
  }

  private async pinMatches(b: VmboxEntity, pin: string): Promise<boolean> {
    if (!b.pinHash) return false;
    try {
      return await argon2.verify(b.pinHash, this.pepper(b.id, pin));
    } catch {
      return false;
    }
  }

  /** The hash a box keeps after a change of its PIN (kept, cleared or set). */
  async hashFor(boxId: string, change: PinChange, current: string | null): Promise<string | null> {
    if (change.kind === 'keep') return current;
    if (change.kind === 'clear') return null;
    return this.hashPin(boxId, change.pin);
  }
  /**
   * Checks a PIN for the PBX's voicemail menu. Every attempt is an event; wrong PINs in a row lock the
   * box for the configured time, during which attempts are refused (423) without checking the PIN.
   */
  async verifyPin(cmd: VerifyPinCommand): Promise<PinVerifyReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    const result = await this.ds.transaction(async (m) => {
      const b = await this.vmboxes.lock(cmd.tenantId, cmd.id, m);
      if (!b || !canSee(cmd.actor, b)) throw DomainError.notFound();
      const base = { id: b.id, mailbox: b.mailbox };
      if (!b.pinHash) {
        const data: PinOutcomeData = { ...base, failures: b.pinFailures, reason: 'no_pin' };
        await appendEvents(m, MAILBOX_SCHEMA, [this.pinEvent(Events.MailboxPinFailed, b, data)]);
        return { valid: false };
      }
      const now = new Date();
      const outcome = await attemptPin(
        { failures: b.pinFailures, lockedUntil: b.lockedUntil },
        () => this.pinMatches(b, cmd.pin),
        now,
        this.pinPolicy,
      );
      const events: NewEvent[] = [];
      if (outcome.kind === 'locked') {
        const data: PinOutcomeData = {
          ...base,
          failures: b.pinFailures,
          reason: 'locked',
          locked_until: outcome.lockedUntil.toISOString(),
        };
        await appendEvents(m, MAILBOX_SCHEMA, [this.pinEvent(Events.MailboxPinFailed, b, data)]);
        return { lockedUntil: outcome.lockedUntil };
      }
      const { failures, lockedUntil } = outcome.state;
      if (failures !== b.pinFailures || lockedUntil?.getTime() !== b.lockedUntil?.getTime()) {
        await this.vmboxes.saveLockState(m, b, failures, lockedUntil);
      }
      if (outcome.kind === 'verified') {
        events.push(this.pinEvent(Events.MailboxPinVerified, b, { ...base, failures: 0 }));
      } else {
        const failed: PinOutcomeData = {
          ...base,
          failures: outcome.lockedNow ? this.pinPolicy.maxFailures : failures,
          reason: 'wrong_pin',
        };
        events.push(this.pinEvent(Events.MailboxPinFailed, b, failed));
        if (outcome.lockedNow) {
          const locked: PinOutcomeData = {
            ...base,
            failures: this.pinPolicy.maxFailures,
            locked_until: outcome.lockedNow.toISOString(),
          };
          events.push(this.pinEvent(Events.MailboxLocked, b, locked));
        }
      }
      await appendEvents(m, MAILBOX_SCHEMA, events);
      return { valid: outcome.kind === 'verified' };
    });
    // the refused attempt's event is committed above; only then does the caller get 423
    if (result.lockedUntil) throw pinLockedError(result.lockedUntil);
    return { valid: result.valid === true };
  }

  private pinEvent<E extends EventDef>(def: E, b: VmboxEntity, data: DataOf<E>): NewEvent<DataOf<E>> {
    return newEvent(def, { tenantId: b.accountId, aggregateId: b.id, data });
  }
}

function pinLockedError(lockedUntil: Date, now = new Date()): DomainError {
  const retryAfter = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  return new DomainError(
    ErrorCode.Locked,
    'the voicemail box is locked after too many wrong PINs; retry later',
    {
      pin: {
        locked: {
          message: 'Too many wrong PINs in a row; the box is locked',
          locked_until: lockedUntil.toISOString(),
        },
      },
      retry_after_s: retryAfter,
    },
  );
}
