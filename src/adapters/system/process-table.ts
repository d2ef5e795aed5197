/**
 * The host's process table, for counting a process's descendants and their zombies and for
 * killing a whole tree. Linux reads /proc (one small file per process, no subprocess); other
 * platforms ask systeminformation. Windows has no zombies: their count is null there ("n/a"),
 * never a made-up 0.
 */
import { readdir, readFile } from 'node:fs/promises';
import { platform } from 'node:os';
import si from 'systeminformation';
import treeKill from 'tree-kill';

/** One row of the process table. */
export interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  /** One-letter state as in ps (R, S, D, Z, T ...); 'Z' is a zombie. */
  readonly state: string;
  readonly name: string;
}

/** Whether /proc is there to read. */
export const hasProcfs = platform() === 'linux';

/** Whether the OS has zombie processes at all. */
export const hasZombies = platform() !== 'win32';

/** Parses /proc/<pid>/stat: the name is in parentheses and may itself contain spaces or parentheses. */
export function parseProcStat(text: string): {
  pid: number;
  name: string;
  state: string;
  ppid: number;
  fields: string[];
} {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new RangeError(`not a /proc stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const name = text.slice(open + 1, close);
  // fields[0] is field 3 (state) of proc(5).
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  return { pid, name, state: fields[0] ?? '?', ppid: Number(fields[1]), fields };
}

async function procTable(): Promise<ProcessRow[]> {
  const entries = await readdir('/proc');
  const rows = await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const s = parseProcStat(await readFile(`/proc/${e}/stat`, 'utf8'));
          return { pid: s.pid, ppid: s.ppid, state: s.state, name: s.name };
        } catch {
          return undefined; // the process ended while we read the table
        }
      }),
  );
  return rows.filter((r): r is ProcessRow => r !== undefined);
}

const SI_STATE: Record<string, string> = {
  zombie: 'Z',
  running: 'R',
  sleeping: 'S',
  stopped: 'T',
  blocked: 'D',
};

/** Lists every process of the host. */
export async function listProcesses(): Promise<ProcessRow[]> {
  if (hasProcfs) return procTable();
  const { list } = await si.processes();
  return list.map((p) => ({ pid: p.pid, ppid: p.parentPid, state: SI_STATE[p.state] ?? '?', name: p.name }));
}

/** The descendants of `pid` (children, their children ...), from a table. */
export function descendantsOf(pid: number, table: readonly ProcessRow[]): ProcessRow[] {
  const children = new Map<number, ProcessRow[]>();
  for (const r of table) {
    const list = children.get(r.ppid) ?? [];
    list.push(r);
    children.set(r.ppid, list);
  }
  const out: ProcessRow[] = [];
  const stack = [pid];
  const seen = new Set<number>([pid]);
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Descendants of a process and how many of them are zombies (null where the OS has none). */
export interface TreeCount {
  readonly descendants: number;
  readonly zombies: number | null;
  readonly zombiePids: readonly number[];
}

/** Counts the descendants of `pid` and their zombies. */
export async function countTree(pid: number): Promise<TreeCount> {
  const tree = descendantsOf(pid, await listProcesses());
  const zombies = tree.filter((r) => r.state === 'Z');
  return {
    descendants: tree.length,
    zombies: hasZombies ? zombies.length : null,
    zombiePids: zombies.map((z) => z.pid),
  };
}

/**
 * Asks the parents of zombies under `pid` to reap them (SIGCHLD), then counts again. A zombie is
 * gone once its parent waits for it or dies (init then reaps it); a parent that never does is a
 * bug in that program, and killing its tree (killTree) is the remedy. Returns the zombies found
 * before and after.
 */
export async function reapZombies(
  pid: number,
  settle: () => Promise<void> = () => new Promise((r) => setTimeout(r, 100)),
): Promise<{ found: number | null; remaining: number | null }> {
  if (!hasZombies) return { found: null, remaining: null };
  const table = await listProcesses();
  const zombies = descendantsOf(pid, table).filter((r) => r.state === 'Z');
  if (zombies.length === 0) return { found: 0, remaining: 0 };
  for (const ppid of new Set(zombies.map((z) => z.ppid))) {
    try {
      process.kill(ppid, 'SIGCHLD');
    } catch {
      // The parent is gone already: init inherits and reaps the zombie.
    }
  }
  await settle();
  return { found: zombies.length, remaining: (await countTree(pid)).zombies };
}

/**
 * Kills `pid` and every descendant (tree-kill: ps on Unix, taskkill /T on Windows). Resolves once
 * the signals are sent; an already-gone process is not an error.
 */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    treeKill(pid, signal, () => resolve());
  });
}
