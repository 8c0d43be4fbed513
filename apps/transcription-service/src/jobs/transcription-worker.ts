// The workers: TRANSCRIPTION_CONCURRENCY loops per replica, each leasing one job at a time (at most
// TRANSCRIPTION_ACCOUNT_CONCURRENCY of one account over all replicas). A job asks message-service for the
// audio (nothing when the box does not transcribe or the message is gone), converts and cuts it,
// transcribes it, and sends the result back (message-service stores it once and publishes
// message.transcribed). The lease is renewed while the work goes on; a replica that dies lets it lapse
// and another takes the job. Engine failures are retried with backoff up to TRANSCRIPTION_ATTEMPTS, then
// the message gets `result: failed`; audio that cannot be decoded gets it at once.
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { TranscriptionConfig } from '@voxmail/config';
import { Actor, Commands, Transcription } from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { prepareAudio } from '../engines/audio';
import { EngineInputError, Engines } from '../engines/engine';
import { TRANSCRIPTION_CONFIG, TRANSCRIPTION_ENGINE } from '../tokens';
import { Job, JobsRepository } from './jobs.repository';

@Injectable()
export class TranscriptionWorker
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly log = new Logger('TranscriptionWorker');
  private readonly owner = `transcription-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly messages: CommandClient;
  private readonly settings: TranscriptionConfig['transcription'];
  private readonly loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private readonly stopping = new AbortController();

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly jobs: JobsRepository,
    @Inject(TRANSCRIPTION_ENGINE) private readonly engines: Engines,
    @Inject(TRANSCRIPTION_CONFIG) config: TranscriptionConfig,
  ) {
    this.settings = config.transcription;
    this.messages = new CommandClient(nc, this.settings.commandTimeoutMs);
  }

  onApplicationBootstrap(): void {
    for (let i = 0; i < this.settings.concurrency; i++) this.loops.push(this.loop());
  }

  /** Stops taking jobs; a job in hand is stopped and handed back (another replica takes it). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort('shutting down');
    this.wake();
    await Promise.all(this.loops);
  }

  onApplicationShutdown(): void {
    this.wake();
  }

  /** New work was queued: idle loops look at once instead of at their next poll. */
  wake(): void {
    for (const s of [...this.sleepers]) s();
  }

  private async loop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let job: Job | null = null;
      try {
        job = await this.jobs.claim(this.owner, this.settings.leaseMs, this.settings.accountConcurrency);
      } catch (e) {
        this.log.warn(`could not claim a job: ${(e as Error).message}`);
      }
      if (job) await this.work(job);
      else await this.sleep(this.settings.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private async work(job: Job): Promise<void> {
    const deadline = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
    const renew = setInterval(
      () => {
        this.jobs
          .renew(job, this.owner, this.settings.leaseMs)
          .catch((e) => this.log.warn(`lease renewal failed: ${(e as Error).message}`));
      },
      Math.max(200, Math.floor(this.settings.leaseMs / 3)),
    );
    try {
      const outcome = await this.transcribe(job, deadline);
      await this.jobs.finish(job, this.owner, outcome.result, outcome.seconds);
    } catch (e) {
      const error = (e as Error).message;
      if (this.stopping.signal.aborted) {
        // handed back for another replica now; were this replica killed instead, the lease would lapse
        await this.jobs.release(job, this.owner).catch(() => undefined);
        return;
      }
      if (job.attempts >= this.settings.attempts) {
        this.log.warn(`message ${job.messageId}: transcription failed for good: ${error}`);
        await this.giveUp(job, error);
      } else {
        const delay = Math.min(60000, 1000 * 2 ** (job.attempts - 1));
        this.log.warn(
          `message ${job.messageId}: attempt ${job.attempts} failed, again in ${delay} ms: ${error}`,
        );
        await this.jobs
          .retryLater(job, this.owner, delay, error)
          .catch((err) => this.log.warn(`could not requeue: ${(err as Error).message}`));
      }
    } finally {
      clearInterval(renew);
    }
  }

  private async giveUp(job: Job, error: string): Promise<void> {
    try {
      await this.store(job, { result: 'failed', engine: this.engines.fallback.name });
      await this.jobs.finish(job, this.owner, 'failed', null);
    } catch (e) {
      // message-service unreachable too: the lease lapses and the next claim tries the failure again
      this.log.warn(
        `message ${job.messageId}: could not record the failure (${error}): ${(e as Error).message}`,
      );
    }
  }

  private async transcribe(
    job: Job,
    signal: AbortSignal,
  ): Promise<{ result: string; seconds: number | null }> {
    const actor = this.actor(job);
    if (job.attempts > this.settings.attempts) {
      // a job that took down the replicas working on it: record the failure instead of trying again
      await this.store(job, { result: 'failed', engine: this.engines.fallback.name });
      return { result: 'failed', seconds: null };
    }
    const source = await this.messages.send(Commands.MessageTranscriptionSource, {
      tenantId: job.tenantId,
      actor,
      vmboxId: job.vmboxId,
      id: job.messageId,
    });
    if (!source.transcribe) return { result: source.reason, seconds: null };
    const language = source.language ?? this.settings.language;
    const engine = this.engines.pick(source.engine);
    let audio;
    try {
      audio = await prepareAudio(source.audio.url, {
        ffmpegPath: this.settings.ffmpegPath,
        maxSeconds: this.settings.maxSeconds,
        signal,
      });
    } catch (e) {
      if (!(e instanceof EngineInputError)) throw e;
      this.log.warn(`message ${job.messageId}: ${e.message}`);
      await this.store(job, { result: 'failed', engine: engine.name, language });
      return { result: 'failed', seconds: null };
    }
    try {
      const r = await engine.transcribe(audio.wavPath, language, signal);
      const t: Transcription = {
        result: r.text ? 'success' : 'no_speech',
        text: r.text,
        language: r.language,
        engine: engine.name,
        seconds: audio.seconds,
      };
      if (r.confidence !== undefined) t.confidence = r.confidence;
      const stored = await this.store(job, t);
      return { result: stored ? t.result : 'gone', seconds: audio.seconds };
    } catch (e) {
      if (!(e instanceof EngineInputError)) throw e;
      this.log.warn(`message ${job.messageId}: ${e.message}`);
      await this.store(job, { result: 'failed', engine: engine.name, language });
      return { result: 'failed', seconds: null };
    } finally {
      await audio.dispose();
    }
  }

  private async store(job: Job, transcription: Transcription): Promise<boolean> {
    const r = await this.messages.send(Commands.MessageStoreTranscription, {
      tenantId: job.tenantId,
      actor: this.actor(job),
      vmboxId: job.vmboxId,
      id: job.messageId,
      transcription,
    });
    return r.stored;
  }

  /** message-service acts for the message's own account. */
  private actor(job: Job): Actor {
    return { accountId: job.tenantId, role: 'admin' };
  }
}
