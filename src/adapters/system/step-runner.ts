/**
 * Runs one step of the soak as a child process with a deadline: its output goes to a step log
 * (`<label>.<stamp>.log`, rotated by the artifacts keeper), and when the deadline passes the
 * whole process tree is killed (tree-kill) rather than the direct child alone, so nothing it
 * started lingers. The outcome carries the exit code, whether it timed out, and the last line it
 * printed (the step's verdict, by convention).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { killTree } from './process-table.js';

/** What a step ran and how it ended. */
export interface StepOutcome {
  readonly label: string;
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly logFile: string;
  /** The last non-empty line of its output (at most 200 characters). */
  readonly lastLine: string;
  /** The process could not be started at all. */
  readonly spawnError: string | null;
}

/** Runs `command` (argv) with a timeout, logging its output to `logFile`. */
export async function runStep(options: {
  readonly label: string;
  readonly command: readonly string[];
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborts the step (its tree is killed) when signalled. */
  readonly signal?: AbortSignal;
}): Promise<StepOutcome> {
  const { label, command, logFile, timeoutMs } = options;
  await mkdir(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const started = Date.now();
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  return new Promise<StepOutcome>((resolve) => {
    let timedOut = false;
    let settled = false;
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const finish = (exitCode: number | null, signal: string | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const lines = tail.split(/\r?\n/).filter((l) => l.trim() !== '');
      log.end(() =>
        resolve({
          label,
          command,
          exitCode,
          signal,
          timedOut,
          durationMs: Date.now() - started,
          logFile,
          lastLine: (lines[lines.length - 1] ?? '').slice(0, 200),
          spawnError,
        }),
      );
    };
    const kill = () => {
      if (child.pid !== undefined) void killTree(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      log.write(d);
      keepTail(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      log.write(d);
      keepTail(d);
    });
    child.once('error', (err) => finish(null, null, err.message));
    child.once('close', (code, signal) => finish(code, signal, null));
  });
}
