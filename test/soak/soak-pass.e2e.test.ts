/**
 * A short real soak: the bot as a child process against the simulator under chaos, sampled every
 * second, checked against the venue every 15 s, stopped with SIGTERM, judged PASS on all ten
 * criteria with every artifact written.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import { parseSamples } from '../../src/domain/soak/sample.js';
import { criterionIds } from '../../src/domain/soak/criteria.js';
import { shortSoak } from './support.js';

describe('a one-minute soak of the bot under chaos', { timeout: 240_000 }, () => {
  it('recovers from every fault and ends PASS with its artifacts', async () => {
    const run = await shortSoak(1);
    onTestFailed(() => {
      console.log(run.lines.join('\n'));
      console.log(run.read('summary.txt'));
    });
    const v = run.verdict();
    expect(v.criteria.map((c) => c.id)).toEqual([...criterionIds]);
    expect(v.criteria.filter((c) => !c.passed)).toEqual([]);
    expect(v.verdict).toBe('PASS');
    expect(run.out).toMatchObject({ verdict: 'PASS', endReason: 'duration' });

    // The chaos happened: the bot reconnected, and the checkpoints saw it back in step.
    const { samples, issues } = parseSamples(run.read('resources.jsonl'));
    expect(issues).toEqual([]);
    expect(samples.length).toBeGreaterThanOrEqual(30);
    expect(samples.at(-1)!.reconnects).toBeGreaterThan(0);
    expect(samples.every((s) => s.rss_mb !== null && s.rss_mb > 0)).toBe(true);
    expect(samples.some((s) => s.heap_used_mb !== null)).toBe(true);
    const checkpoints = run
      .read('checkpoints.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean; final: boolean });
    expect(checkpoints.length).toBeGreaterThanOrEqual(4);
    expect(checkpoints.at(-1)!.final).toBe(true);
    expect(checkpoints.every((c) => c.ok)).toBe(true);

    // summary.txt, resources.analysis.json and a self-contained report.
    expect(run.read('summary.txt')).toContain('verdict: PASS');
    const analysis = JSON.parse(run.read('resources.analysis.json')) as { rss: { slopeMbPerHour: number } };
    expect(Number.isFinite(analysis.rss.slopeMbPerHour)).toBe(true);
    const html = run.read('report.html');
    expect(html).toContain('Soak verdict: <span class="PASS">PASS</span>');
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).not.toMatch(/\b(src|href)=/);
  });
});
