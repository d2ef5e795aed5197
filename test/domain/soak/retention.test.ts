import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planRetention, stepOf, stepStamp, type ArtifactFile } from '../../../src/domain/soak/retention.js';

const MB = 1024 * 1024;
const limits = { warnMb: 500, trimMb: 750, capMb: 5120, keepPerStep: 5, keepWhenTrimming: 2 };

const log = (step: string, i: number, bytes = 1024): ArtifactFile => ({
  path: `steps/${step}.${stepStamp(1_700_000_000_000 + i * 1000)}.log`,
  bytes,
  mtimeMs: 1_700_000_000_000 + i * 1000,
});

describe('retention', () => {
  it('names step logs so the step can be read back', () => {
    expect(stepStamp(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('20240102T030405678Z');
    expect(stepOf('steps/lint-logs.20240102T030405678Z.log')).toBe('lint-logs');
    expect(stepOf('steps/lint-logs.20240102T030405678Z.out.log')).toBe('lint-logs');
    expect(stepOf('resources.jsonl')).toBeUndefined();
    expect(stepOf('logs/bot.log')).toBeUndefined();
  });

  it('keeps the 5 newest logs per step and never touches other files', () => {
    const files = [
      ...Array.from({ length: 8 }, (_, i) => log('lint-logs', i)),
      ...Array.from({ length: 3 }, (_, i) => log('checkpoint', i)),
      { path: 'resources.jsonl', bytes: 10, mtimeMs: 0 },
      { path: 'logs/bot.log', bytes: 10, mtimeMs: 0 },
    ];
    const plan = planRetention(files, limits);
    expect(plan.level).toBe('ok');
    expect(plan.remove).toEqual([0, 1, 2].map((i) => log('lint-logs', i).path));
  });

  it('warns, then trims to 2 per step and drops the previous run, and reports the cap', () => {
    const big = (step: string, i: number) => log(step, i, 100 * MB);
    const files = [
      ...Array.from({ length: 4 }, (_, i) => big('a', i)),
      ...Array.from({ length: 4 }, (_, i) => big('b', i)),
      { path: 'previous/resources.jsonl', bytes: 10 * MB, mtimeMs: 1 },
    ];
    const plan = planRetention(files, limits);
    expect(plan.level).toBe('trim');
    expect(plan.remove).toContain('previous/resources.jsonl');
    expect(plan.remove.filter((p) => p.startsWith('steps/a.'))).toHaveLength(2);
    expect(plan.afterMb).toBeCloseTo(400, 6);
    expect(planRetention(files.slice(0, 6), limits).level).toBe('warn');
    expect(planRetention([{ path: 'logs/bot.log', bytes: 6000 * MB, mtimeMs: 0 }], limits)).toMatchObject({
      level: 'over_cap',
      remove: [],
    });
  });

  it('never keeps more than keepPerStep logs of a step, and always keeps the newest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 1_000 })), {
          maxLength: 60,
        }),
        (entries) => {
          const files = entries.map(([s, i]) => log(s, i));
          const unique = [...new Map(files.map((f) => [f.path, f])).values()];
          const plan = planRetention(unique, limits);
          const kept = unique.filter((f) => !plan.remove.includes(f.path));
          for (const s of ['a', 'b', 'c']) {
            const mine = unique.filter((f) => stepOf(f.path) === s);
            const left = kept.filter((f) => stepOf(f.path) === s);
            expect(left.length).toBe(Math.min(5, mine.length));
            if (mine.length > 0)
              expect(Math.max(...left.map((f) => f.mtimeMs))).toBe(Math.max(...mine.map((f) => f.mtimeMs)));
          }
        },
      ),
    );
  });
});
