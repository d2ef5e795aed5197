import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runStep } from '../../../src/adapters/system/step-runner.js';
import { descendantsOf, listProcesses } from '../../../src/adapters/system/process-table.js';
import { processExists } from '../../../src/adapters/system/process-stats.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-soak-step-'));

describe('runStep', () => {
  it('logs the output and reports the exit code and the last line', async () => {
    const out = await runStep({
      label: 'echo',
      command: [
        process.execPath,
        '-e',
        'console.log("checking"); console.error("RESULT=OK"); process.exit(3)',
      ],
      logFile: join(dir, 'echo.log'),
      timeoutMs: 20_000,
    });
    expect(out).toMatchObject({ exitCode: 3, timedOut: false, lastLine: 'RESULT=OK', spawnError: null });
    expect(readFileSync(out.logFile, 'utf8')).toContain('checking');
  });

  it('kills the whole tree of a step that overruns its deadline', async () => {
    // The step prints the pids of its own children, so they can be checked once it is over.
    const out = await runStep({
      label: 'hang',
      command: ['sh', '-c', 'sleep 60 & echo $!; sleep 60 & echo $!; wait'],
      logFile: join(dir, 'hang.log'),
      timeoutMs: 500,
    });
    expect(out.timedOut).toBe(true);
    const pids = readFileSync(out.logFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await vi.waitFor(() => expect(pids.filter(processExists)).toEqual([]), { timeout: 5_000 });
  });

  it('kills the tree when aborted', async () => {
    const abort = new AbortController();
    const running = runStep({
      label: 'abort',
      command: ['sh', '-c', 'sleep 60 & sleep 60 & wait'],
      logFile: join(dir, 'abort.log'),
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    let tree: number[] = [];
    await vi.waitFor(
      async () => {
        const table = await listProcesses();
        const shell = table.find((r) => r.ppid === process.pid && r.name === 'sh');
        tree = shell === undefined ? [] : [shell.pid, ...descendantsOf(shell.pid, table).map((r) => r.pid)];
        expect(tree).toHaveLength(3);
      },
      { timeout: 10_000 },
    );
    abort.abort();
    const out = await running;
    expect(out.timedOut).toBe(false);
    await vi.waitFor(() => expect(tree.filter(processExists)).toEqual([]), { timeout: 5_000 });
  });

  it('reports a command that cannot start', async () => {
    const out = await runStep({
      label: 'missing',
      command: [join(dir, 'no-such-program')],
      logFile: join(dir, 'missing.log'),
      timeoutMs: 5_000,
    });
    expect(out.spawnError).toMatch(/ENOENT/);
    expect(out.exitCode).toBeNull();
  });
});
