// Runs a command with a deadline (the signal), collecting its output within a bound.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 1 << 20;

export function run(cmd: string, args: string[], signal: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`${cmd} not started: ${String(signal.reason)}`));
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr = (stderr + b.toString('utf8')).slice(-8192);
    });
    child.once('error', (e) =>
      reject(signal.aborted ? new Error(`${cmd} stopped: ${String(signal.reason)}`) : e),
    );
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last lines of a tool's error output, for a log line. */
export const tail = (s: string) => s.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
