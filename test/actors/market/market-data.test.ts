import { describe, expect, it } from 'vitest';
import { classifyInbound } from '../../../src/adapters/bybit/wire/classify.js';
import { silentLogger } from '../../../src/adapters/log/logger.js';
import { Metrics } from '../../../src/adapters/metrics/metrics.js';
import { activityInterval, MarketData } from '../../../src/actors/market/market-data.js';
import { SimClock } from '../../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../../src/domain/instrument.js';

const SYMBOL = 'BTCUSDT';
const TOPIC = `orderbook.50.${SYMBOL}`;
const PUSH_MS = 20;

function frame(type: 'snapshot' | 'delta', u: number, ts: number, size: string): string {
  return JSON.stringify({
    topic: TOPIC,
    type,
    ts,
    data: { s: SYMBOL, b: [['60000.00', size]], a: [['60000.10', '1.000']], u, seq: u },
    cts: ts,
  });
}

function market(staleAfterMs: number) {
  const clock = new SimClock(1_000);
  const instrument = toInstrument(DEFAULT_INSTRUMENTS.find((s) => s.symbol === SYMBOL)!);
  const m = new MarketData({
    instruments: new Map([[SYMBOL, instrument]]),
    symbols: [SYMBOL],
    depth: 50,
    staleAfterMs,
    resyncTimeoutMs: 60_000,
    volHalfLifeS: 60,
    volHorizonS: 5,
    clock,
    logger: silentLogger(),
    metrics: new Metrics(),
    onChanged: () => {},
    onLive: () => {},
    onResync: () => {},
  });
  m.start();
  m.feed(true);
  let u = 0;
  const push = (): void => {
    u += 1;
    const inbound = classifyInbound(frame(u === 1 ? 'snapshot' : 'delta', u, clock.now(), `${u % 7}.001`));
    if (inbound.kind !== 'book') throw new Error(`not a book frame: ${inbound.kind}`);
    m.onBookFrame(inbound.frame);
  };
  return { m, clock, push };
}

describe('MarketData book activity', () => {
  it('is throttled to 500 ms, or a quarter of the stale timeout when that is shorter', () => {
    expect(activityInterval(2_000)).toBe(500);
    expect(activityInterval(500)).toBe(125);
    expect(activityInterval(100)).toBe(25);
  });

  it.each([2_000, 500, 100])(
    'keeps a book live while frames flow, and marks it stale within %i ms of silence, never before 3/4 of it',
    (staleAfterMs) => {
      const { m, clock, push } = market(staleAfterMs);
      push();
      expect(m.bookState(SYMBOL)).toBe('live');
      // Ten seconds of frames at Bybit's push interval: the throttled activity keeps it live.
      for (let t = 0; t < 10_000; t += PUSH_MS) {
        clock.advanceTo(clock.now() + PUSH_MS);
        push();
        expect(m.bookState(SYMBOL)).toBe('live');
      }
      const lastFrameAt = clock.now();
      clock.advanceTo(lastFrameAt + Math.floor((staleAfterMs * 3) / 4) - 1);
      expect(m.bookState(SYMBOL)).toBe('live');
      clock.advanceTo(lastFrameAt + staleAfterMs);
      expect(m.bookState(SYMBOL)).toBe('stale');
      // Data brings it back.
      clock.advanceTo(clock.now() + PUSH_MS);
      push();
      expect(m.bookState(SYMBOL)).toBe('live');
      m.stop();
    },
  );
});
