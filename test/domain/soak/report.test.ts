import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyseSamples } from '../../../src/domain/soak/analysis.js';
import { evaluateCriteria, verdictOf, type SoakFacts } from '../../../src/domain/soak/criteria.js';
import { lineChart, reportHtml, thin } from '../../../src/domain/soak/report-html.js';
import { sampleFields, type ResourceSample } from '../../../src/domain/soak/sample.js';
import { summaryText, verdictFile } from '../../../src/domain/soak/verdict.js';

const sample = (i: number): ResourceSample => {
  const s = Object.fromEntries(sampleFields.map((f) => [f, null])) as Record<string, unknown>;
  return {
    ...(s as unknown as ResourceSample),
    timestamp_utc: new Date(i * 60_000).toISOString(),
    timestamp_ms: i * 60_000,
    elapsed_s: i * 60,
    wall_elapsed_s: i * 60,
    pid: 1,
    cpu_count: 2,
    rss_mb: 150 + (i % 5),
    heap_used_mb: 40 + (i % 3),
    cpu_process_pct: 5,
    reconnects: Math.floor(i / 10),
    pnl_usd: i * 0.01,
  };
};

const rule = { maxMbPerHour: 1, confidence: 0.95, warmupHours: 0.5, minSpanHours: 1, minSamples: 30 };

function facts(samples: ResourceSample[]): SoakFacts {
  return {
    plannedHours: 2,
    ranHours: 2,
    endReason: 'duration',
    crash: null,
    problem: null,
    analysis: analyseSamples(samples, rule),
    maxCpuAvgPct: 80,
    artifactsCapMb: 5120,
    artifactsPeakMb: 12,
    reconnects: 12,
    giveUps: 0,
    checkpointsRun: 12,
    checkpointsUnrecovered: 0,
    orphans: 0,
    zombies: 0,
    shutdown: { graceful: true, exit: 0, detail: 'exit 0 1.2 s after SIGTERM' },
    missingArtifacts: [],
    criticalLines: 0,
    logCheck: 'built-in scan',
  };
}

describe('verdict files', () => {
  it('write the same facts to verdict.json, summary.txt and report.html', () => {
    const samples = Array.from({ length: 121 }, (_, i) => sample(i));
    const f = facts(samples);
    const criteria = evaluateCriteria(f);
    const v = verdictFile(
      verdictOf(criteria),
      criteria,
      f,
      '2026-01-01T00:00:00.000Z',
      'npm run soak -- --hours 2',
    );
    expect(v.verdict).toBe('PASS');
    // The soak workflow reads name/passed/value.
    for (const c of v.criteria) expect(c).toMatchObject({ name: c.id, passed: c.pass });
    const text = summaryText(v, f.analysis);
    expect(text).toContain('verdict: PASS');
    for (const c of criteria) expect(text).toContain(c.title);
    const html = reportHtml(v, f.analysis, samples, [], text);
    expect(html).toContain('<span class="PASS">PASS</span>');
    for (const c of criteria) expect(html).toContain(c.title);
    // RSS, heap, CPU, reconnects, PnL; lag, host CPU and artifacts have no data here.
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html.match(/no data/g)).toHaveLength(3);
    expect(html).not.toMatch(/\b(src|href)=/);
  });

  it('escapes what it prints', () => {
    const samples = [sample(0)];
    const f = { ...facts(samples), shutdown: { graceful: false, exit: 1, detail: '<script>x</script>' } };
    const criteria = evaluateCriteria(f);
    const v = verdictFile(verdictOf(criteria), criteria, f, 'now', 'cmd');
    expect(reportHtml(v, f.analysis, samples, [], '')).not.toContain('<script>');
  });
});

describe('chart thinning', () => {
  it('keeps at most the limit and every bucket extreme (spikes stay visible)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 5000 }), (ys) => {
        const pts = ys.map((y, i) => [i, y] as const);
        const out = thin(pts, 200);
        expect(out.length).toBeLessThanOrEqual(Math.min(pts.length, 202));
        if (ys.length > 0) {
          expect(Math.max(...out.map((p) => p[1]))).toBe(Math.max(...ys));
          expect(Math.min(...out.map((p) => p[1]))).toBe(Math.min(...ys));
        }
        for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
      }),
    );
  });

  it('draws a note for an empty series', () => {
    expect(lineChart('x', 'MB', [])).toContain('no data');
  });
});
