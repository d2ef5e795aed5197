/**
 * The accelerated soak: bot and simulator in this process on a simulated clock driven 100 times
 * faster than the wall clock, under the same dense chaos. Half a simulated hour in about 20 s of
 * wall time, judged in the same format.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { criterionIds } from '../../src/domain/soak/criteria.js';
import { parseSamples } from '../../src/domain/soak/sample.js';
import { shortSoak } from './support.js';

describe('an accelerated soak', { timeout: 240_000 }, () => {
  it('runs simulated time faster than wall time and reaches a verdict in the same format', async () => {
    const run = await shortSoak(30, undefined, 100);
    onTestFailed(() => {
      console.log(run.lines.join('\n'));
      console.log(run.read('summary.txt'));
    });
    const v = run.verdict();
    expect(v.criteria.map((c) => c.id)).toEqual([...criterionIds]);
    expect(run.out.endReason).toBe('duration');
    const { samples } = parseSamples(run.read('resources.jsonl'));
    const last = samples.at(-1)!;
    // Half an hour of the run's clock in a fraction of it on the wall.
    expect(last.elapsed_s).toBeGreaterThanOrEqual(1_790);
    expect(last.wall_elapsed_s).toBeLessThan(last.elapsed_s / 5);
    expect(last.reconnects).toBeGreaterThan(0);
    // The run itself is sound: the bot ran the time, stopped cleanly and left nothing.
    for (const id of [
      'full_duration',
      'graceful_shutdown',
      'orphan_orders',
      'artifacts_written',
      'critical_logs',
    ])
      expect(v.criteria.find((c) => c.id === id)!.passed).toBe(true);
  });
});
