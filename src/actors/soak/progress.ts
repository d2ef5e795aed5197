/**
 * What the soak shows while it runs. On a terminal: one line redrawn in place with a bar, the
 * elapsed and planned time, the ETA, the phase, the bot's RSS and CPU and the checkpoint tally.
 * Elsewhere (CI logs, files): plain lines, one per phase change, per checkpoint and per tenth of
 * the run, so a log stays short and greppable.
 */
import type { Clock, TimerId } from '../../domain/clock.js';

/** What the display is told. */
export interface ProgressSink {
  phase(phase: string, detail: string): void;
  sample(s: { rssMb: number | null; cpuPct: number | null }): void;
  checkpoint(c: { index: number; ok: boolean; failed: readonly string[]; detail: string }): void;
  note(text: string): void;
  /** Marks the start of the timed part. */
  started(at: number): void;
  close(): void;
}

const hms = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** A progress display on `out` (a TTY gets the bar). */
export function createProgress(o: {
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly clock: Clock;
  readonly durationMs: number;
  readonly refreshMs?: number;
}): ProgressSink {
  const tty = o.out.isTTY === true;
  let phase = 'preparing';
  let startedAt: number | undefined;
  let rss: number | null = null;
  let cpu: number | null = null;
  let cps = 0;
  let cpsFailed = 0;
  let lastTenth = -1;
  let timer: TimerId;
  let ticking = false;
  let drawn = false;

  const elapsed = () => (startedAt === undefined ? 0 : Math.min(o.clock.now() - startedAt, o.durationMs));
  const status = () =>
    `${phase} | RSS ${rss === null ? 'n/a' : `${rss.toFixed(0)} MB`} CPU ${cpu === null ? 'n/a' : `${cpu.toFixed(0)} %`}` +
    ` | checkpoints ${cps - cpsFailed}/${cps} ok`;
  const line = (text: string) => {
    if (tty && drawn) o.out.write('\r\x1b[2K');
    drawn = false;
    o.out.write(`${new Date(o.clock.now()).toISOString()} ${text}\n`);
    if (tty) draw();
  };
  const draw = () => {
    if (!tty) return;
    const e = elapsed();
    const frac = o.durationMs > 0 ? e / o.durationMs : 0;
    const width = 24;
    const full = Math.round(frac * width);
    const bar = `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
    const eta = startedAt === undefined ? '--:--:--' : hms(o.durationMs - e);
    const text = `${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${hms(e)}/${hms(o.durationMs)} ETA ${eta} | ${status()}`;
    o.out.write(`\r\x1b[2K${text.slice(0, Math.max(20, (o.out.columns ?? 120) - 1))}`);
    drawn = true;
  };
  const plainTenth = () => {
    if (tty || startedAt === undefined) return;
    const tenth = Math.floor((elapsed() / o.durationMs) * 10);
    if (tenth > lastTenth && tenth < 10) {
      lastTenth = tenth;
      line(
        `progress ${tenth * 10}% ${hms(elapsed())}/${hms(o.durationMs)} ETA ${hms(o.durationMs - elapsed())} | ${status()}`,
      );
    }
  };
  const tick = () => {
    draw();
    timer = o.clock.setTimeout(tick, o.refreshMs ?? 1000);
  };
  if (tty) {
    ticking = true;
    tick();
  }
  return {
    phase: (p, detail) => {
      phase = p;
      line(`soak: ${p}${detail !== '' && detail !== p ? ` (${detail})` : ''}`);
    },
    sample: (s) => {
      rss = s.rssMb;
      cpu = s.cpuPct;
      plainTenth();
    },
    checkpoint: (c) => {
      cps++;
      if (!c.ok) cpsFailed++;
      line(
        `checkpoint ${c.index}: ${c.ok ? 'ok' : `FAIL (${c.failed.join(', ')})`}${c.detail !== '' ? ` ${c.detail}` : ''}`,
      );
    },
    note: (text) => line(text),
    started: (at) => {
      startedAt = at;
    },
    close: () => {
      if (ticking) o.clock.clearTimeout(timer);
      ticking = false;
      if (tty && drawn) o.out.write('\n');
      drawn = false;
    },
  };
}
