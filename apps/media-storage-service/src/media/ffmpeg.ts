// One ffmpeg run, bounded in time (issue 24): when `timeoutMs` passes, the process is killed (SIGKILL:
// ffmpeg may ignore a polite signal while it is blocked on I/O) and the caller is told 503, so the work
// stops when the client is told it failed, never after.
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { DomainError, ErrorCode } from '@voxmail/contracts';

/** ffmpeg echoes its input URL in errors: keep the address, never the presigned query (credential, signature). */
export function redactUrls(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#]+)[?#][^\s]*/gi, '$1?[redacted]');
}

export interface FfmpegRun {
  /** Resolves on exit 0; rejects with a DomainError (503 cannot start or too slow, 422 failed). */
  done: Promise<void>;
  pid?: number;
}

export function runFfmpeg(
  ffmpegPath: string,
  args: string[],
  opts: { timeoutMs: number; nice?: number; onFailure?: (message: string) => void },
): FfmpegRun {
  const p = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // batch work: below the services' and the gateway's priority, so a transcode slows requests on the
  // same host as little as it can (issue 24)
  if (opts.nice && p.pid !== undefined) {
    try {
      setPriority(p.pid, opts.nice);
    } catch {
      // exited already, or not permitted here: it runs at the service's priority
    }
  }
  const done = new Promise<void>((resolve, reject) => {
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, opts.timeoutMs);
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    // a pipe error is followed by 'close' with a failing code: it must not be an uncaught error
    p.stderr.on('error', () => undefined);
    p.on('error', (e) => {
      clearTimeout(timer);
      opts.onFailure?.(`ffmpeg could not start: ${e.message}`);
      reject(
        new DomainError(ErrorCode.ServiceUnavailable, 'transcoding is not available on this server', {
          retry_after_s: 60,
        }),
      );
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        opts.onFailure?.(`ffmpeg killed after ${opts.timeoutMs} ms`);
        return reject(
          new DomainError(ErrorCode.ServiceUnavailable, 'transcoding took too long; retry later', {
            retry_after_s: 30,
          }),
        );
      }
      if (code === 0) return resolve();
      opts.onFailure?.(`ffmpeg failed (${code}): ${redactUrls(err)}`);
      reject(new DomainError(ErrorCode.Unprocessable, 'the audio could not be transcoded'));
    });
  });
  return { done, pid: p.pid };
}
