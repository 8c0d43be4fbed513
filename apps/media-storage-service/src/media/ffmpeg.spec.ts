import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@voxmail/contracts';
import { runFfmpeg } from './ffmpeg';

/** A stand-in for ffmpeg: a shell script that writes its pid and then works (sleeps) for a minute. */
function slowFfmpeg(): { path: string; pidFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-fake-ffmpeg-'));
  const pidFile = join(dir, 'pid');
  const path = join(dir, 'ffmpeg');
  writeFileSync(path, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
  chmodSync(path, 0o755);
  return { path, pidFile };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runFfmpeg (issue 24: a transcode that takes too long stops when the caller is told 503)', () => {
  it('kills ffmpeg at the timeout and rejects with 503 and Retry-After', async () => {
    const fake = slowFfmpeg();
    const run = runFfmpeg(fake.path, [], { timeoutMs: 300 });
    const err = await run.done.catch((e: DomainError) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('service_unavailable');
    expect((err as DomainError).details).toHaveProperty('retry_after_s');
    expect(existsSync(fake.pidFile)).toBe(true);
    // the process is gone, not left working after the answer
    expect(alive(run.pid!)).toBe(false);
  });

  it('a failing ffmpeg is 422, one that cannot start 503', async () => {
    await expect(runFfmpeg('/bin/false', [], { timeoutMs: 5000 }).done).rejects.toMatchObject({
      code: 'unprocessable',
    });
    await expect(runFfmpeg('/nonexistent/ffmpeg', [], { timeoutMs: 5000 }).done).rejects.toMatchObject({
      code: 'service_unavailable',
    });
  });

  it('runs ffmpeg below the service CPU priority (MEDIA_TRANSCODE_NICE)', async () => {
    const fake = slowFfmpeg();
    const run = runFfmpeg(fake.path, [], { timeoutMs: 2000, nice: 7 });
    try {
      expect(getPriority(run.pid!)).toBe(Math.max(7, getPriority()));
    } finally {
      await run.done.catch(() => undefined);
    }
  });
});
