// Password and PIN hashing (argon2) bounded per account and per credential, and shared fairly across
// accounts (issue 24): at most `concurrency` computations at once in this replica and `perAccount` of
// them for one account; waiting work is started round-robin by account, so one tenant's login storm
// queues behind itself only. An account or credential with too much work waiting or running, or work
// that waited `queueTimeoutMs`, is answered 429 with Retry-After (successful logins count too).
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Argon2Limits, MailboxConfig } from '@voxmail/config';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { MAILBOX_CONFIG } from '../tokens';

interface Job {
  account: string;
  credential: string;
  start: () => void;
  timer?: NodeJS.Timeout;
}

const busy = (what: string) =>
  new DomainError(ErrorCode.RateLimited, `too many ${what} in progress; retry later`, { retry_after_s: 1 });

/** The fair scheduler itself, free of Nest so the unit test drives it directly. */
export class FairWorkQueue {
  private running = 0;
  private readonly runningOf = new Map<string, number>();
  private readonly pendingOf = new Map<string, number>();
  private readonly pendingCredential = new Map<string, number>();
  /** Waiting jobs per account; the map's order is the round-robin order (an account served goes last). */
  private readonly waiting = new Map<string, Job[]>();

  constructor(private readonly limits: Argon2Limits) {}

  /** Runs `work` for `account` and `credential` (any string; hashed, never kept in clear) in its turn. */
  run<T>(account: string, credential: string, work: () => Promise<T>): Promise<T> {
    const cred = createHash('sha256').update(`${account}\0${credential}`).digest('hex');
    if ((this.pendingCredential.get(cred) ?? 0) >= this.limits.queuePerCredential)
      return Promise.reject(busy('sign-ins with this credential'));
    if ((this.pendingOf.get(account) ?? 0) >= this.limits.queuePerAccount)
      return Promise.reject(busy('sign-ins for this account'));
    bump(this.pendingOf, account, 1);
    bump(this.pendingCredential, cred, 1);
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        account,
        credential: cred,
        start: () => {
          clearTimeout(job.timer);
          this.running++;
          bump(this.runningOf, account, 1);
          work()
            .then(resolve, reject)
            .finally(() => {
              this.running--;
              bump(this.runningOf, account, -1);
              this.done(job);
            });
        },
      };
      job.timer = setTimeout(() => {
        const q = this.waiting.get(account);
        const i = q?.indexOf(job) ?? -1;
        if (i < 0) return;
        q!.splice(i, 1);
        if (!q!.length) this.waiting.delete(account);
        this.done(job);
        reject(busy('sign-ins for this account'));
      }, this.limits.queueTimeoutMs);
      job.timer.unref?.();
      const q = this.waiting.get(account);
      if (q) q.push(job);
      else this.waiting.set(account, [job]);
      this.dispatch();
    });
  }

  private done(job: Job): void {
    bump(this.pendingOf, job.account, -1);
    bump(this.pendingCredential, job.credential, -1);
    this.dispatch();
  }

  /** Starts waiting work while there is room: the first account in turn under its own share. */
  private dispatch(): void {
    while (this.running < this.limits.concurrency) {
      let next: Job | undefined;
      for (const [account, q] of this.waiting) {
        if ((this.runningOf.get(account) ?? 0) >= this.limits.perAccount) continue;
        next = q.shift();
        this.waiting.delete(account);
        if (q.length) this.waiting.set(account, q); // to the back of the round
        break;
      }
      if (!next) return;
      next.start();
    }
  }
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}

/** The replica's one queue for argon2 work (ARGON2_* settings). */
@Injectable()
export class Argon2Work extends FairWorkQueue {
  constructor(@Inject(MAILBOX_CONFIG) config: MailboxConfig) {
    super(config.argon2);
  }
}
