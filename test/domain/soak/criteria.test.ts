import { describe, expect, it } from 'vitest';
import { analyseSamples } from '../../../src/domain/soak/analysis.js';
import {
  criterionIds,
  evaluateCriteria,
  verdictOf,
  type SoakFacts,
} from '../../../src/domain/soak/criteria.js';
import type { LeakRule } from '../../../src/domain/soak/leak.js';
import { parseSamples, sampleFields, type ResourceSample } from '../../../src/domain/soak/sample.js';

const rule: LeakRule = {
  maxMbPerHour: 1,
  confidence: 0.95,
  minSamples: 10,
  minSpanHours: 0.5,
  warmupHours: 0,
};

function sample(i: number, over: Partial<ResourceSample> = {}): ResourceSample {
  const base = Object.fromEntries(sampleFields.map((f) => [f, null])) as Record<string, unknown>;
  return {
    ...(base as unknown as ResourceSample),
    timestamp_utc: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
    timestamp_ms: 1_700_000_000_000 + i * 60_000,
    elapsed_s: i * 60,
    wall_elapsed_s: i * 60,
    pid: 42,
    cpu_count: 2,
    cpu_process_pct: 10 + (i % 3),
    cpu_system_pct: 30,
    rss_mb: 200 + (i % 2) * 0.5,
    heap_used_mb: 80 + (i % 4),
    artifacts_mb: 1 + i / 100,
    zombies: 0,
    event_loop_lag_p99_ms: 2,
    ...over,
  };
}

const samples = Array.from({ length: 61 }, (_, i) => sample(i));

function facts(over: Partial<SoakFacts> = {}): SoakFacts {
  return {
    plannedHours: 1,
    ranHours: 1,
    endReason: 'duration',
    crash: null,
    problem: null,
    analysis: analyseSamples(samples, rule),
    maxCpuAvgPct: 80,
    artifactsCapMb: 5120,
    artifactsPeakMb: 1.6,
    reconnects: 12,
    giveUps: 0,
    checkpointsRun: 6,
    checkpointsUnrecovered: 0,
    orphans: 0,
    zombies: 0,
    shutdown: { graceful: true, exit: 0, detail: 'exit 0 in 1.2 s, cancel verified' },
    missingArtifacts: [],
    criticalLines: 0,
    logCheck: 'built-in scan',
    ...over,
  };
}

describe('analyseSamples', () => {
  it('summarises CPU, memory, disk and the leak rule', () => {
    const a = analyseSamples(samples, rule);
    expect(a.samples).toBe(61);
    expect(a.durationHours).toBeCloseTo(1, 12);
    expect(a.cpuProcessPct.avg).toBeCloseTo(11, 1);
    expect(a.cpuProcessPct.p95).toBe(12);
    expect(a.artifactsMb.max).toBeCloseTo(1.6, 12);
    expect(a.rss.enoughEvidence).toBe(true);
    expect(a.leakDetected).toBe(false);
    expect(a.zombiesMax).toBe(0);
  });

  it('finds a leaking heap and reports the field the original used', () => {
    const leaking = samples.map((s, i) => ({ ...s, heap_used_mb: 80 + i * 0.5 }));
    const a = analyseSamples(leaking, rule);
    expect(a.heap.leak).toBe(true);
    expect(a.heap.slopeMbPerHour).toBeCloseTo(30, 6);
    expect(a.rss.leak).toBe(false);
    expect(a.leakDetected).toBe(true);
  });

  it('has nothing to say about an empty run', () => {
    const a = analyseSamples([], rule);
    expect(a).toMatchObject({ samples: 0, durationHours: 0, leakDetected: false, zombiesMax: null });
    expect(a.cpuProcessPct.avg).toBeNull();
  });
});

describe('evaluateCriteria', () => {
  it('judges ten criteria, all passing on a clean run', () => {
    const c = evaluateCriteria(facts());
    expect(c.map((x) => x.id)).toEqual([...criterionIds]);
    expect(c.filter((x) => !x.pass)).toEqual([]);
    expect(verdictOf(c)).toBe('PASS');
    for (const x of c) expect(x.value).not.toBe('');
  });

  const failing = (over: Partial<SoakFacts>) =>
    evaluateCriteria(facts(over))
      .filter((x) => !x.pass)
      .map((x) => x.id);

  it('fails exactly the criterion a fact breaks', () => {
    expect(failing({ endReason: 'crash', crash: 'exit 1', ranHours: 0.4 })).toEqual(['full_duration']);
    expect(failing({ endReason: 'abort', ranHours: 0.4 })).toEqual(['full_duration']);
    const leaking = analyseSamples(
      samples.map((s, i) => ({ ...s, rss_mb: 200 + i })),
      rule,
    );
    expect(failing({ analysis: leaking })).toEqual(['memory_leak']);
    const busy = analyseSamples(
      samples.map((s) => ({ ...s, cpu_process_pct: 95 })),
      rule,
    );
    expect(failing({ analysis: busy })).toEqual(['cpu_average']);
    expect(failing({ artifactsPeakMb: 6000 })).toEqual(['artifacts_size']);
    expect(failing({ giveUps: 1 })).toEqual(['reconnects_recovered']);
    expect(failing({ checkpointsUnrecovered: 2 })).toEqual(['reconnects_recovered']);
    expect(failing({ checkpointsRun: 0 })).toEqual(['reconnects_recovered']);
    expect(failing({ orphans: 3 })).toEqual(['orphan_orders']);
    expect(failing({ orphans: null })).toEqual(['orphan_orders']);
    expect(failing({ zombies: 2 })).toEqual(['zombie_processes']);
    expect(failing({ shutdown: { graceful: false, exit: 1, detail: 'exit 1' } })).toEqual([
      'graceful_shutdown',
    ]);
    expect(failing({ missingArtifacts: ['summary.txt'] })).toEqual(['artifacts_written']);
    expect(failing({ criticalLines: 1 })).toEqual(['critical_logs']);
    expect(failing({ criticalLines: null })).toEqual(['critical_logs']);
  });

  it('passes zombies where the OS has none, and fails a leak verdict without evidence', () => {
    expect(failing({ zombies: null })).toEqual([]);
    const short = analyseSamples(samples.slice(0, 5), rule);
    expect(failing({ analysis: short })).toContain('memory_leak');
    expect(failing({ analysis: null })).toEqual(['memory_leak', 'cpu_average']);
  });

  it('says what was measured', () => {
    const c = evaluateCriteria(facts({ zombies: null, orphans: 2 }));
    const byId = Object.fromEntries(c.map((x) => [x.id, x]));
    expect(byId['zombie_processes']!.value).toContain('n/a');
    expect(byId['orphan_orders']!.value).toBe('2 open orders of ours after the stop');
    expect(byId['memory_leak']!.value).toMatch(/^RSS [+-]\d+\.\d\d MB\/h \[/);
    expect(byId['cpu_average']!.value).toMatch(/^11\.\d % of one core on average/);
  });
});

describe('parseSamples', () => {
  it('reads good lines and reports bad ones by number without losing the rest', () => {
    const good = JSON.stringify(sample(1));
    const text = [good, '{"torn": ', JSON.stringify({ ...sample(2), rss_mb: 'big' }), '', '[1]', good].join(
      '\n',
    );
    const { samples: got, issues } = parseSamples(text);
    expect(got).toHaveLength(2);
    expect(issues).toEqual([
      { line: 2, problem: 'not JSON' },
      { line: 3, problem: 'field rss_mb: expected a number or null, found "big"' },
      { line: 5, problem: 'not a JSON object' },
    ]);
  });
});
