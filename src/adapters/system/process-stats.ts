/**
 * Resource figures of one process by pid: CPU time, RSS, virtual size, threads and open file
 * descriptors. Linux reads /proc/<pid>/{stat,status,fd}; elsewhere systeminformation gives what
 * the OS reports (figures it cannot give are null).
 */
import { readdir, readFile } from 'node:fs/promises';
import si from 'systeminformation';
import { hasProcfs, parseProcStat } from './process-table.js';

/** What a process uses right now. */
export interface ProcessStats {
  readonly pid: number;
  /** User plus system CPU time since the process started, ms (null when unknown). */
  readonly cpuTimeMs: number | null;
  readonly rssBytes: number | null;
  readonly vmsBytes: number | null;
  readonly threads: number | null;
  readonly fds: number | null;
  readonly state: string;
}

/** USER_HZ: the unit of /proc CPU times, 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_S = 100;

function statusKb(text: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

/** Thrown when the process does not exist (any more). */
export class NoSuchProcessError extends Error {
  constructor(readonly pid: number) {
    super(`no process with pid ${pid}`);
    this.name = 'NoSuchProcessError';
  }
}

async function procStats(pid: number): Promise<ProcessStats> {
  let stat: string;
  let status: string;
  try {
    [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
  } catch {
    throw new NoSuchProcessError(pid);
  }
  const s = parseProcStat(stat);
  // proc(5): utime and stime are fields 14 and 15; fields[] starts at field 3.
  const ticks = Number(s.fields[11]) + Number(s.fields[12]);
  const threads = /^Threads:\s+(\d+)/m.exec(status);
  let fds: number | null = null;
  try {
    fds = (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    fds = null; // another user's process
  }
  return {
    pid,
    cpuTimeMs: Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_S : null,
    rssBytes: statusKb(status, 'VmRSS'),
    vmsBytes: statusKb(status, 'VmSize'),
    threads: threads === null ? null : Number(threads[1]),
    fds,
    state: s.state,
  };
}

async function siStats(pid: number): Promise<ProcessStats> {
  const { list } = await si.processes();
  const p = list.find((x) => x.pid === pid);
  if (p === undefined) throw new NoSuchProcessError(pid);
  return {
    pid,
    // systeminformation gives a CPU percentage, not a time; own process: Node knows its own time.
    cpuTimeMs: pid === process.pid ? cpuTimeOfSelf() : null,
    rssBytes: p.memRss * 1024,
    vmsBytes: p.memVsz * 1024,
    threads: null,
    fds: null,
    state: p.state,
  };
}

function cpuTimeOfSelf(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Reads a process's figures; throws NoSuchProcessError when it is gone. */
export function readProcessStats(pid: number): Promise<ProcessStats> {
  return hasProcfs ? procStats(pid) : siStats(pid);
}

/** Whether a process exists (signal 0 probes without signalling). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
