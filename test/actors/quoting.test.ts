import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { Metrics } from '../../src/adapters/metrics/metrics.js';
import type { MarketData } from '../../src/actors/market/market-data.js';
import type { OrderManager } from '../../src/actors/orders/order-manager.js';
import type { Portfolio } from '../../src/actors/portfolio.js';
import { Quoting } from '../../src/actors/quoting.js';
import { SimClock } from '../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../src/domain/instrument.js';
import { quoteParamsFromConfig } from '../../src/domain/strategy/params.js';

const SYMBOL = 'BTCUSDT';
const INTERVAL = 100;
const instrument = toInstrument(DEFAULT_INSTRUMENTS.find((s) => s.symbol === SYMBOL)!);

/**
 * Quoting with its machine and the real quote maths; the market is a fixed top of book and the
 * order manager records each requote with its onWritten, which the test calls as the write would.
 */
function harness() {
  const clock = new SimClock(0);
  const requotes: { at: number; written?: () => void }[] = [];
  const market = {
    marketInput: () => ({
      bestBid: 600_000,
      bestAsk: 600_010,
      bestBidSize: 1000,
      bestAskSize: 1000,
      volBps: 10,
    }),
  } as unknown as MarketData;
  const orders = {
    requote: (_s: string, _q: unknown, onWritten?: () => void) => {
      requotes.push({ at: clock.now(), ...(onWritten === undefined ? {} : { written: onWritten }) });
      return Promise.resolve();
    },
    liveOrders: () => [],
  } as unknown as OrderManager;
  const quoting = new Quoting({
    symbols: [SYMBOL],
    instruments: new Map([[SYMBOL, instrument]]),
    params: new Map([[SYMBOL, quoteParamsFromConfig(loadConfig(), instrument)]]),
    requoteIntervalMs: INTERVAL,
    clock,
    logger: silentLogger(),
    metrics: new Metrics(),
    market,
    orders,
    portfolio: { positionOf: () => 0 } as unknown as Portfolio,
  });
  quoting.start();
  return { clock, quoting, requotes };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('Quoting: a move served in ready', () => {
  it('requotes at once, holds the machine in ready until the write, then cools down and serves moves from meanwhile', async () => {
    const { clock, quoting, requotes } = harness();
    quoting.send({ type: 'orders.ready' });
    quoting.send({ type: 'book.live' });
    await flush();
    expect(requotes.map((r) => r.at)).toEqual([0]);
    clock.advanceTo(500);
    expect(quoting.state(SYMBOL)).toBe('quoting');

    // Served by the actor, synchronously, with the machine told only once the request is written.
    quoting.marketChanged(SYMBOL);
    expect(requotes.map((r) => r.at)).toEqual([0, 500]);
    quoting.marketChanged(SYMBOL);
    quoting.marketChanged(SYMBOL);
    await flush();
    expect(requotes).toHaveLength(2);

    requotes[1]!.written!();
    // The moves held meanwhile are served when the cool-down ends, once.
    clock.advanceTo(500 + INTERVAL);
    await flush();
    expect(requotes.map((r) => r.at)).toEqual([0, 500, 600]);
    clock.advanceTo(1_000);
    await flush();
    expect(requotes).toHaveLength(3);
  });

  it('serves the next move at once after a quiet cool-down', async () => {
    const { clock, quoting, requotes } = harness();
    quoting.send({ type: 'orders.ready' });
    quoting.send({ type: 'book.live' });
    await flush();
    clock.advanceTo(500);
    quoting.marketChanged(SYMBOL);
    requotes[1]!.written!();
    clock.advanceTo(700);
    await flush();
    expect(requotes.map((r) => r.at)).toEqual([0, 500]);
    quoting.marketChanged(SYMBOL);
    expect(requotes.map((r) => r.at)).toEqual([0, 500, 700]);
  });
});
