import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResourceSampler } from '../../../src/adapters/system/resource-sampler.js';
import { killTree } from '../../../src/adapters/system/process-table.js';
import { NoSuchProcessError } from '../../../src/adapters/system/process-stats.js';
import { startEventLoopMonitor } from '../../../src/adapters/system/event-loop.js';
import { SimClock } from '../../../src/domain/clock.js';
import { parseSamples, sampleFields } from '../../../src/domain/soak/sample.js';

describe('ResourceSampler', () => {
  it('samples this process on a simulated clock: CPU per simulated time, heap from Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-sampler-'));
    writeFileSync(join(dir, 'f'), 'x'.repeat(2048));
    const clock = new SimClock(1_700_000_000_000);
    const loop = startEventLoopMonitor();
    let wall = 5_000;
    const sampler = new ResourceSampler({
      pid: process.pid,
      clock,
      startedAt: clock.now(),
      wallNow: () => wall,
      artifactsDir: dir,
      eventLoopLagMs: () => loop.lagMs(),
      appMetrics: () =>
        Promise.resolve('ws_reconnect_attempts_total{ws_type="public"} 4\nmm_pnl_total_usd 1.25\n'),
    });
    const first = await sampler.sample();
    expect(first.cpu_process_pct).toBeNull();
    // Burn some CPU, then let one simulated hour pass.
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    clock.advanceBy(3_600_000);
    wall += 1_000;
    const s = await sampler.sample();
    loop.stop();
    expect(Object.keys(s)).toEqual([...sampleFields]);
    expect(s.elapsed_s).toBe(3600);
    expect(s.wall_elapsed_s).toBe(1);
    expect(s.timestamp_utc).toBe(new Date(1_700_003_600_000).toISOString());
    // A few ms of CPU over an hour of simulated time: a tiny percentage.
    expect(s.cpu_process_pct!).toBeGreaterThan(0);
    expect(s.cpu_process_pct!).toBeLessThan(1);
    expect(s.heap_used_mb!).toBeGreaterThan(1);
    expect(s.rss_mb!).toBeGreaterThan(s.heap_used_mb!);
    expect(s.artifacts_mb!).toBeCloseTo(2048 / 1024 / 1024, 3);
    expect(s.active_handles!).toBeGreaterThan(0);
    expect(s.reconnects).toBe(4);
    expect(s.pnl_usd).toBe(1.25);
    expect(s.reconnect_give_ups).toBeNull();
    expect(s.cpu_count).toBeGreaterThanOrEqual(1);
    // The line it makes is a valid resources.jsonl line.
    expect(parseSamples(JSON.stringify(s)).issues).toEqual([]);
  });

  it('samples another process by pid, with its heap from its metrics text when given', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); console.log("up")'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise((r) => child.stdout.once('data', r));
      const clock = { now: () => Date.now(), setTimeout, clearTimeout } as never;
      const sampler = new ResourceSampler({
        pid: child.pid!,
        clock,
        startedAt: Date.now(),
        wallNow: () => Date.now(),
        appMetrics: () =>
          Promise.resolve('nodejs_heap_size_used_bytes 10485760\nnodejs_eventloop_lag_p99_seconds 0.012\n'),
      });
      const s = await sampler.sample();
      expect(s.pid).toBe(child.pid);
      expect(s.rss_mb!).toBeGreaterThan(5);
      expect(s.heap_used_mb).toBe(10);
      expect(s.event_loop_lag_p99_ms).toBe(12);
      expect(s.threads!).toBeGreaterThanOrEqual(1);
      expect(s.children).toBe(0);
      await killTree(child.pid!);
      await new Promise((r) => child.once('exit', r));
      await expect(sampler.sample()).rejects.toBeInstanceOf(NoSuchProcessError);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
