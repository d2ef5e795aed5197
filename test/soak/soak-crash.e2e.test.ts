/**
 * A soak whose bot crashes (SIGKILL after 12 s, test/soak/fixtures/crashing-bot.ts): the harness
 * notices at once, skips to the stop and the analysis, and judges FAIL on the full-time criterion
 * with the crash in the measured value, still writing every artifact.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFailed } from 'vitest';
import { shortSoak } from './support.js';

const CRASHING = fileURLToPath(new URL('./fixtures/crashing-bot.ts', import.meta.url));

describe('a soak of a bot that crashes', { timeout: 240_000 }, () => {
  it('ends early with FAIL on the full-time criterion, naming the crash', async () => {
    const run = await shortSoak(1, [process.execPath, '--import', 'tsx', CRASHING]);
    onTestFailed(() => {
      console.log(run.lines.join('\n'));
      console.log(run.read('summary.txt'));
    });
    expect(run.out).toMatchObject({ verdict: 'FAIL', endReason: 'crash' });
    const v = run.verdict();
    const full = v.criteria.find((c) => c.id === 'full_duration')!;
    expect(full.passed).toBe(false);
    expect(full.value).toContain('crashed (exit SIGKILL)');
    expect(v.ranHours).toBeLessThan(0.75 / 60);
    const stop = v.criteria.find((c) => c.id === 'graceful_shutdown')!;
    expect(stop.passed).toBe(false);
    expect(stop.value).toContain('had already exited');
    expect(run.read('summary.txt')).toContain('verdict: FAIL');
    expect(run.read('report.html')).toContain('<span class="FAIL">FAIL</span>');
  });
});
