import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { leakRuleFor, planSoak } from '../../../src/domain/soak/plan.js';

const soak = loadConfig().soak;

describe('soak plan', () => {
  it('keeps the configured leak rule for a day-long run', () => {
    const p = planSoak(soak);
    expect(p.hours).toBe(24);
    expect(p.durationMs).toBe(86_400_000);
    expect(p.rule).toEqual({
      maxMbPerHour: 1,
      confidence: 0.95,
      warmupHours: 0.5,
      minSpanHours: 1,
      minSamples: 30,
    });
    expect(p.limits).toEqual({
      warnMb: 3072,
      trimMb: 4096,
      capMb: 5120,
      keepPerStep: 5,
      keepWhenTrimming: 2,
    });
    expect(p.sampleIntervalMs).toBe(60_000);
  });

  it('scales warm-up and evidence, never the threshold, for a short run', () => {
    const r = leakRuleFor(soak, 10 / 60, 10);
    expect(r.maxMbPerHour).toBe(1);
    expect(r.warmupHours).toBeCloseTo(10 / 60 / 4);
    expect(r.minSpanHours).toBeCloseTo(10 / 60 / 2);
    expect(r.minSamples).toBe(30); // 61 samples possible: half of them is more than the configured 30
    expect(leakRuleFor(soak, 1 / 60, 1).minSamples).toBe(30);
    expect(leakRuleFor(soak, 1 / 60, 10).minSamples).toBe(3);
  });

  it('refuses thresholds that do not rise and an empty run', () => {
    expect(() => planSoak({ ...soak, artifacts_trim_mb: 10_000 })).toThrow(/must rise/);
    expect(() => planSoak(soak, { hours: 0 })).toThrow(/more than 0 hours/);
  });
});
