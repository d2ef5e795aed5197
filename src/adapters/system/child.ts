/**
 * A long-running child process (the bot under soak) with its standard output and error appended
 * to a log file, and its exit as a promise. Stopping it (SIGTERM, then the whole tree killed at a
 * deadline) is the caller's decision; this only starts it and reports how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** A started child. */
export interface ChildHandle {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves once it has exited and its output is flushed to the log. */
  readonly exited: Promise<ChildExit>;
  /** How it ended, once it has. */
  exit(): ChildExit | undefined;
}

/** Thrown when the command cannot be started at all. */
export class SpawnError extends Error {
  constructor(
    readonly command: readonly string[],
    message: string,
  ) {
    super(`cannot start ${command.join(' ')}: ${message}`);
    this.name = 'SpawnError';
  }
}

/** Starts `command` (argv) with its output appended to `logFile`. */
export function spawnLogged(
  command: readonly string[],
  options: { readonly logFile: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string },
): Promise<ChildHandle> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let ended: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('close', (code, signal) => {
      ended = { code, signal };
      log.end(() => resolve(ended!));
    });
  });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      log.end();
      reject(new SpawnError(command, err.message));
    });
    child.once('spawn', () => resolve({ pid: child.pid!, process: child, exited, exit: () => ended }));
  });
}

/** A TCP port free on `host` right now (the OS picks it; a race with another process is possible but rare). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
