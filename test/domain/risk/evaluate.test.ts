import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RISK_REASONS,
  evaluateRisk,
  type RiskReason,
  type RiskSnapshot,
} from '../../../src/domain/risk/evaluate.js';
import { riskLimitsFromConfig, type RiskLimits } from '../../../src/domain/risk/limits.js';
import { RejectWindow } from '../../../src/domain/risk/reject-window.js';

const LIMITS: RiskLimits = riskLimitsFromConfig({
  enable_kill_switch: true,
  max_position_base: '0.05',
  max_position_usd: 5000,
  reduce_only_ratio: 0.8,
  daily_max_loss_usd: 300,
  max_drawdown_usd: 600,
  max_consecutive_losses: 5,
  max_stale_market_data_ms: 60000,
  max_reject_rate: 0.5,
  reject_rate_window: 50,
  max_event_loop_lag_ms: 2000,
  exit_on_halt: false,
});

const CALM: RiskSnapshot = {
  positionBase: 0.01,
  positionNotional: 600,
  dailyPnl: 12,
  drawdown: 3,
  consecutiveLosses: 1,
  marketDataAgeMs: 20,
  rejectRate: 0.02,
  rejectSamples: 50,
  eventLoopLagMs: 4,
};

/** For each trigger: the field, the value at its limit, one below and one above. */
const TRIGGERS: readonly {
  reason: RiskReason;
  level: 'reduce' | 'halt';
  patch: (v: number) => Partial<RiskSnapshot>;
  below: number;
  at: number;
  above: number;
}[] = [
  {
    reason: 'max_position',
    level: 'reduce',
    patch: (v) => ({ positionBase: v }),
    below: 0.039,
    at: 0.04,
    above: 0.041,
  },
  {
    reason: 'max_position',
    level: 'reduce',
    patch: (v) => ({ positionBase: -v }),
    below: 0.039,
    at: 0.04,
    above: 0.041,
  },
  {
    reason: 'max_position',
    level: 'reduce',
    patch: (v) => ({ positionNotional: v }),
    below: 3999,
    at: 4000,
    above: 4001,
  },
  {
    reason: 'daily_loss',
    level: 'halt',
    patch: (v) => ({ dailyPnl: -v }),
    below: 299.99,
    at: 300,
    above: 300.01,
  },
  { reason: 'drawdown', level: 'halt', patch: (v) => ({ drawdown: v }), below: 599, at: 600, above: 601 },
  // The count trips when reached: 4 in a row is fine, the 5th halts.
  {
    reason: 'consecutive_losses',
    level: 'halt',
    patch: (v) => ({ consecutiveLosses: v }),
    below: 3,
    at: 4,
    above: 5,
  },
  {
    reason: 'stale_market_data',
    level: 'halt',
    patch: (v) => ({ marketDataAgeMs: v }),
    below: 59_999,
    at: 60_000,
    above: 60_001,
  },
  {
    reason: 'reject_rate',
    level: 'halt',
    patch: (v) => ({ rejectRate: v }),
    below: 0.48,
    at: 0.5,
    above: 0.52,
  },
  {
    reason: 'event_loop_lag',
    level: 'halt',
    patch: (v) => ({ eventLoopLagMs: v }),
    below: 1999,
    at: 2000,
    above: 2001,
  },
];

describe('evaluateRisk', () => {
  it('is ok when nothing is near a limit', () => {
    expect(evaluateRisk(LIMITS, CALM)).toEqual({ level: 'ok', reasons: [], suppressed: [] });
  });

  for (const t of TRIGGERS) {
    it(`${t.reason}: ok below and at the limit, ${t.level} above it (${Object.keys(t.patch(0)).join()})`, () => {
      expect(evaluateRisk(LIMITS, { ...CALM, ...t.patch(t.below) }).level).toBe('ok');
      expect(evaluateRisk(LIMITS, { ...CALM, ...t.patch(t.at) }).level).toBe('ok');
      expect(evaluateRisk(LIMITS, { ...CALM, ...t.patch(t.above) })).toEqual({
        level: t.level,
        reasons: [t.reason],
        suppressed: [],
      });
    });
  }

  it('judges the reject rate only once the window is full', () => {
    const bad = { ...CALM, rejectRate: 1 };
    expect(evaluateRisk(LIMITS, { ...bad, rejectSamples: 49 }).level).toBe('ok');
    expect(evaluateRisk(LIMITS, { ...bad, rejectSamples: 50 }).reasons).toEqual(['reject_rate']);
  });

  it('lists every breached limit in a fixed order, halting over reducing', () => {
    const v = evaluateRisk(LIMITS, { ...CALM, eventLoopLagMs: 5000, positionBase: 1, dailyPnl: -1000 });
    expect(v).toEqual({
      level: 'halt',
      reasons: ['max_position', 'daily_loss', 'event_loop_lag'],
      suppressed: [],
    });
  });

  it('fails safe on figures it cannot evaluate', () => {
    expect(evaluateRisk(LIMITS, { ...CALM, marketDataAgeMs: Infinity }).reasons).toEqual([
      'stale_market_data',
    ]);
    expect(evaluateRisk(LIMITS, { ...CALM, dailyPnl: NaN }).reasons).toEqual(['daily_loss']);
    expect(evaluateRisk(LIMITS, { ...CALM, positionBase: NaN }).level).toBe('reduce');
  });

  it('with the kill switch disabled, reports halt conditions as suppressed and still reduces', () => {
    const off = { ...LIMITS, enableKillSwitch: false };
    expect(evaluateRisk(off, { ...CALM, drawdown: 10_000, positionNotional: 4500 })).toEqual({
      level: 'reduce',
      reasons: ['max_position'],
      suppressed: ['drawdown'],
    });
  });

  const snapshotArb: fc.Arbitrary<RiskSnapshot> = fc.record({
    positionBase: fc.double({ min: -0.2, max: 0.2, noNaN: true }),
    positionNotional: fc.double({ min: -10_000, max: 10_000, noNaN: true }),
    dailyPnl: fc.double({ min: -1000, max: 1000, noNaN: true }),
    drawdown: fc.double({ min: 0, max: 2000, noNaN: true }),
    consecutiveLosses: fc.integer({ min: 0, max: 10 }),
    marketDataAgeMs: fc.double({ min: 0, max: 200_000, noNaN: true }),
    rejectRate: fc.double({ min: 0, max: 1, noNaN: true }),
    rejectSamples: fc.integer({ min: 0, max: 100 }),
    eventLoopLagMs: fc.double({ min: 0, max: 5000, noNaN: true }),
  });

  it('names only breached limits, and halts exactly when a halt limit is breached', () => {
    // An independent statement of each limit (a limit L tolerates a float hair of 1e-9 · max(1, L)).
    const beyond = (v: number, l: number) => v > l + 1e-9 * Math.max(1, l);
    const breached: Record<RiskReason, (s: RiskSnapshot) => boolean> = {
      max_position: (s) =>
        beyond(Math.abs(s.positionBase), 0.8 * 0.05) || beyond(Math.abs(s.positionNotional), 0.8 * 5000),
      daily_loss: (s) => beyond(-s.dailyPnl, 300),
      drawdown: (s) => beyond(s.drawdown, 600),
      consecutive_losses: (s) => s.consecutiveLosses >= 5,
      stale_market_data: (s) => beyond(s.marketDataAgeMs, 60_000),
      reject_rate: (s) => s.rejectSamples >= 50 && beyond(s.rejectRate, 0.5),
      event_loop_lag: (s) => beyond(s.eventLoopLagMs, 2000),
    };
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const v = evaluateRisk(LIMITS, s);
        for (const r of v.reasons) expect(breached[r](s)).toBe(true);
        const expectedReasons = RISK_REASONS.filter((r) => breached[r](s));
        expect(v.reasons).toEqual(expectedReasons);
        const halting = expectedReasons.some((r) => r !== 'max_position');
        expect(v.level).toBe(halting ? 'halt' : expectedReasons.length > 0 ? 'reduce' : 'ok');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RejectWindow', () => {
  it('keeps the rate over the last N outcomes only', () => {
    const w = new RejectWindow(4);
    expect(w.rate).toBe(0);
    expect(w.samples).toBe(0);
    w.record(true);
    w.record(true);
    expect(w.rate).toBe(1);
    expect(w.samples).toBe(2);
    w.record(false);
    w.record(false);
    expect(w.rate).toBe(0.5);
    w.record(false); // the first reject leaves the window
    expect(w.samples).toBe(4);
    expect(w.rate).toBe(0.25);
    w.record(false);
    expect(w.rate).toBe(0);
    w.clear();
    expect(w.samples).toBe(0);
    expect(() => new RejectWindow(0)).toThrow(RangeError);
  });

  it('agrees with a recount of the last N outcomes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.boolean(), { maxLength: 100 }),
        (n, outcomes) => {
          const w = new RejectWindow(n);
          outcomes.forEach((o) => w.record(o));
          const last = outcomes.slice(-n);
          expect(w.samples).toBe(last.length);
          expect(w.rate).toBeCloseTo(last.length === 0 ? 0 : last.filter(Boolean).length / last.length, 12);
        },
      ),
    );
  });
});
