/**
 * The monitor actor on a simulated clock: a sample at once and then every interval, appended to
 * the JSONL file, never two at a time, silent once the process is gone, stopped with its state.
 * And the progress display's plain lines.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { SimClock } from '../../src/domain/clock.js';
import { parseSamples, sampleFields, type ResourceSample } from '../../src/domain/soak/sample.js';
import { NoSuchProcessError } from '../../src/adapters/system/process-stats.js';
import { monitorActor, startMonitor, type MonitorEvent, type Sampler } from '../../src/actors/monitor.js';
import { createProgress } from '../../src/actors/soak/progress.js';

const blank = Object.fromEntries(sampleFields.map((f) => [f, null])) as unknown as ResourceSample;

/** Samples of pid 7 stamped with the clock; `goneAfter` samples later the process is gone. */
function fakeSampler(
  clock: SimClock,
  goneAfter = Infinity,
): Sampler & { calls: number; busy: number; maxBusy: number } {
  const s = {
    calls: 0,
    busy: 0,
    maxBusy: 0,
    async sample(): Promise<ResourceSample> {
      s.calls++;
      s.busy++;
      s.maxBusy = Math.max(s.maxBusy, s.busy);
      await new Promise((r) => setImmediate(r));
      s.busy--;
      if (s.calls > goneAfter) throw new NoSuchProcessError(7);
      const t = clock.now();
      return {
        ...blank,
        timestamp_utc: new Date(t).toISOString(),
        timestamp_ms: t,
        elapsed_s: t / 1000,
        wall_elapsed_s: 0,
        pid: 7,
        cpu_count: 2,
        rss_mb: 100,
      };
    },
  };
  return s;
}

const out = () => join(mkdtempSync(join(tmpdir(), 'mm-monitor-actor-')), 'resources.jsonl');

describe('monitor', () => {
  it('samples at once and then every interval of the clock, one at a time', async () => {
    const clock = new SimClock();
    const sampler = fakeSampler(clock);
    const file = out();
    const m = startMonitor({ sampler, clock, intervalMs: 60_000, out: file });
    await vi.waitFor(() => expect(m.count()).toBe(1));
    for (let i = 2; i <= 5; i++) {
      clock.advanceBy(60_000);
      await vi.waitFor(() => expect(m.count()).toBe(i));
    }
    // Nothing is due between two intervals.
    clock.advanceBy(59_999);
    await m.stop();
    expect(m.count()).toBe(5);
    expect(sampler.maxBusy).toBe(1);
    const { samples } = parseSamples(readFileSync(file, 'utf8'));
    expect(samples.map((s) => s.timestamp_ms)).toEqual([0, 60_000, 120_000, 180_000, 240_000]);
    expect(clock.pending).toBe(0);
  });

  it('reports a gone process once and stops sampling', async () => {
    const clock = new SimClock();
    const gone = vi.fn();
    const m = startMonitor({
      sampler: fakeSampler(clock, 2),
      clock,
      intervalMs: 1_000,
      out: out(),
      onGone: gone,
    });
    await vi.waitFor(() => expect(m.count()).toBe(1));
    clock.advanceBy(1_000);
    await vi.waitFor(() => expect(m.count()).toBe(2));
    clock.advanceBy(1_000);
    await vi.waitFor(() => expect(gone).toHaveBeenCalledWith(7));
    clock.advanceBy(10_000);
    expect(gone).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
    await m.stop();
  });

  it('as an actor: tells its parent the process is gone, and stops with its state', async () => {
    const clock = new SimClock();
    const events: MonitorEvent[] = [];
    const parent = createMachine({
      initial: 'watching',
      states: {
        watching: {
          invoke: {
            src: monitorActor,
            input: { sampler: fakeSampler(clock, 1), clock, intervalMs: 1_000, out: out() },
          },
          on: {
            'monitor.gone': { target: 'done', actions: ({ event }) => events.push(event as MonitorEvent) },
          },
        },
        done: {},
      },
    });
    const actor = createActor(parent, { clock }).start();
    await new Promise((r) => setTimeout(r, 10));
    clock.advanceBy(1_000);
    await vi.waitFor(() => expect(actor.getSnapshot().value).toBe('done'));
    expect(events).toEqual([{ type: 'monitor.gone', pid: 7 }]);
    expect(clock.pending).toBe(0);
    actor.stop();
  });
});

describe('progress display', () => {
  it('writes plain lines off a terminal: phases, checkpoints and each tenth of the run', () => {
    const clock = new SimClock(Date.parse('2026-01-01T00:00:00Z'));
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const p = createProgress({ out: stream, clock, durationMs: 100_000 });
    p.phase('running', 'running');
    p.started(clock.now());
    for (let i = 1; i <= 100; i++) {
      clock.advanceBy(1_000);
      p.sample({ rssMb: 120, cpuPct: 3 });
    }
    p.checkpoint({ index: 1, ok: false, failed: ['orders'], detail: 'x' });
    p.close();
    const lines = text.trim().split('\n');
    expect(lines[0]).toContain('soak: running');
    expect(lines.filter((l) => l.includes(' progress '))).toHaveLength(10); // 0 %, 10 % … 90 %
    expect(text).toContain('ETA 00:00:50 | running | RSS 120 MB CPU 3 %');
    expect(lines.at(-1)).toContain('checkpoint 1: FAIL (orders) x');
    expect(text).not.toContain('\r');
  });

  it('redraws one line with a bar and ETA on a terminal', () => {
    const clock = new SimClock(0);
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const p = createProgress({ out: stream, clock, durationMs: 3_600_000 });
    p.started(0);
    clock.advanceBy(900_000);
    expect(text).toContain('[######..................]  25% 00:15:00/01:00:00 ETA 00:45:00');
    p.close();
    expect(clock.pending).toBe(0);
  });
});
