import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  countTree,
  descendantsOf,
  hasZombies,
  killTree,
  listProcesses,
  parseProcStat,
  reapZombies,
} from '../../../src/adapters/system/process-table.js';
import {
  NoSuchProcessError,
  processExists,
  readProcessStats,
} from '../../../src/adapters/system/process-stats.js';

const started: ChildProcess[] = [];
const sh = (script: string): ChildProcess => {
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  started.push(child);
  return child;
};

afterEach(async () => {
  for (const c of started.splice(0)) if (c.pid !== undefined) await killTree(c.pid);
});

describe('process table', () => {
  it('parses a /proc stat line whose name holds spaces and parentheses', () => {
    const s = parseProcStat('1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3');
    expect(s).toMatchObject({ pid: 1234, name: 'my (odd) name', state: 'S', ppid: 1 });
    expect(s.fields[11]).toBe('250');
    expect(s.fields[12]).toBe('75');
    expect(() => parseProcStat('garbage')).toThrow(RangeError);
  });

  it('walks descendants from a table', () => {
    const table = [
      { pid: 1, ppid: 0, state: 'S', name: 'init' },
      { pid: 10, ppid: 1, state: 'S', name: 'a' },
      { pid: 11, ppid: 10, state: 'Z', name: 'b' },
      { pid: 12, ppid: 11, state: 'S', name: 'c' },
      { pid: 20, ppid: 1, state: 'S', name: 'other' },
    ];
    expect(descendantsOf(10, table).map((r) => r.pid)).toEqual([11, 12]);
    expect(descendantsOf(99, table)).toEqual([]);
  });

  it('lists this process with its parent', async () => {
    const me = (await listProcesses()).find((r) => r.pid === process.pid);
    expect(me?.ppid).toBe(process.ppid);
  });

  it('kills a whole process tree, grandchildren included', async () => {
    const child = sh('sleep 60 & sleep 60 & wait');
    await vi.waitFor(async () => expect((await countTree(child.pid!)).descendants).toBe(2), {
      timeout: 5_000,
    });
    const grandchildren = descendantsOf(child.pid!, await listProcesses()).map((r) => r.pid);
    await killTree(child.pid!);
    await vi.waitFor(() => expect([child.pid!, ...grandchildren].filter(processExists)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it.runIf(hasZombies)(
    'counts a zombie in the tree, reports it unreaped by a careless parent, and is clean once the tree is killed',
    async () => {
      // sh forks `sleep 0` and then becomes `sleep 30`, which never waits for it: a zombie.
      const child = sh('sleep 0 & exec sleep 30');
      await vi.waitFor(async () => expect((await countTree(process.pid)).zombies).toBeGreaterThanOrEqual(1), {
        timeout: 5_000,
      });
      const reaped = await reapZombies(process.pid);
      expect(reaped.found).toBeGreaterThanOrEqual(1);
      expect(reaped.remaining).toBeGreaterThanOrEqual(1);
      await killTree(child.pid!);
      await vi.waitFor(async () => expect((await countTree(process.pid)).zombies).toBe(0), {
        timeout: 5_000,
      });
    },
  );
});

describe('process stats', () => {
  it('reads this process: RSS close to Node’s own figure, threads and descriptors', async () => {
    const s = await readProcessStats(process.pid);
    const rss = process.memoryUsage().rss;
    expect(s.rssBytes!).toBeGreaterThan(rss * 0.5);
    expect(s.rssBytes!).toBeLessThan(rss * 2);
    expect(s.vmsBytes!).toBeGreaterThan(s.rssBytes!);
    expect(s.threads!).toBeGreaterThan(1);
    expect(s.fds!).toBeGreaterThan(2);
    expect(s.cpuTimeMs!).toBeGreaterThan(0);
  });

  it('refuses a process that does not exist', async () => {
    const child = sh('exit 0');
    await new Promise((r) => child.once('exit', r));
    await expect(readProcessStats(child.pid!)).rejects.toBeInstanceOf(NoSuchProcessError);
    expect(processExists(child.pid!)).toBe(false);
    expect(processExists(process.pid)).toBe(true);
  });
});
