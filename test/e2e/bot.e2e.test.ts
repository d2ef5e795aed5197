/**
 * The whole bot against the simulator over real loopback sockets, with faults injected. Each test
 * ends the way every exit path must: orders and position matching the exchange, and zero orders of
 * ours left on it after shutdown.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFailed, vi } from 'vitest';
import { waitFor as xwaitFor } from 'xstate';
import type { RunningSimulator } from '../../src/sim/index.js';
import { NO_QUOTES, type Quotes } from '../../src/domain/strategy/quotes.js';
import {
  metricValue,
  startBot,
  startTestSim,
  testConfig,
  type BotUnderTest,
} from '../helpers/bot-harness.js';

const WAIT = { timeout: 30_000, interval: 50 };

let sim: RunningSimulator | undefined;
let bot: BotUnderTest | undefined;

afterEach(async () => {
  if (bot !== undefined && bot.root.getSnapshot().status === 'active') await bot.shutdown();
  await bot?.dispose();
  await sim?.close();
  sim = undefined;
  bot = undefined;
});

async function setup(
  overrides: Record<string, unknown> = {},
  simExtra: Parameters<typeof startTestSim>[1] = {},
) {
  sim = await startTestSim(testConfig(), { volatility: 1.5, ...simExtra });
  bot = startBot(sim, overrides);
  const b = bot;
  onTestFailed(({ task }) => {
    const file = join(tmpdir(), `mm-e2e-${task.name.replace(/\W+/g, '-').slice(0, 60)}.log`);
    writeFileSync(file, b.logs.lines.join('\n'));
    console.log(`full log: ${file}`);
    console.log(
      b.logs.lines
        .filter((l) => !l.includes('"level":"debug"'))
        .slice(-120)
        .join('\n'),
    );
  });
  return { sim, bot: b };
}

const sides = (b: BotUnderTest) => new Set(b.venueOrders().map((o) => o.side));

async function quotingBothSides(b: BotUnderTest): Promise<void> {
  await vi.waitFor(() => expect(sides(b)).toEqual(new Set(['Buy', 'Sell'])), WAIT);
}

/** Orders our order manager believes open equal the venue's open orders of ours. */
function assertOrdersMatch(b: BotUnderTest): void {
  const venue = new Set(b.venueOrders().map((o) => o.orderLinkId));
  const local = new Set(
    b.rt.started.orders
      .orders('BTCUSDT')
      .filter((o) => o.state === 'new' || o.state === 'partiallyFilled')
      .map((o) => o.orderLinkId),
  );
  expect(local).toEqual(venue);
}

async function assertCleanShutdown(s: RunningSimulator, b: BotUnderTest): Promise<void> {
  const out = await b.shutdown();
  expect(out).toEqual({ exitCode: 0, verified: true, reason: 'signal' });
  expect(b.venueOrders()).toEqual([]);
  const pos = s.exchange.position(b.apiKey, 'BTCUSDT');
  const venueUnits = Math.round(Number(pos['size']) * 1000) * (pos['side'] === 'Sell' ? -1 : 1);
  expect(b.rt.started.portfolio.positionOf('BTCUSDT')).toBe(venueUnits);
}

describe('the bot against the simulator', { timeout: 120_000 }, () => {
  it('quotes both sides, gets fills, and shuts down leaving no order behind', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    expect(bot.venueOrders().length).toBeLessThanOrEqual(2 * bot.config.limits.max_active_per_side);
    await vi.waitFor(
      () => expect(bot.rt.started.portfolio.snapshot('BTCUSDT')!.fillsApplied).toBeGreaterThan(0),
      {
        timeout: 60_000,
        interval: 100,
      },
    );
    expect(await metricValue(bot.metrics, 'mm_fills_total')).toBeGreaterThan(0);
    await vi.waitFor(() => assertOrdersMatch(bot), WAIT);
    await assertCleanShutdown(sim, bot);
  });

  it('serves /metrics, /readyz and /status on loopback', async () => {
    const { sim, bot } = await setup({ monitoring: { enable_prometheus: true, metrics_port: 0 } });
    await quotingBothSides(bot);
    await vi.waitFor(() => expect(bot.webUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/), WAIT);
    const url = bot.webUrl()!;
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), WAIT);
    // The quoter pauses for a moment whenever the request budget is spent: wait for it to quote.
    await vi.waitFor(async () => {
      const status = (await (await fetch(`${url}/status`)).json()) as {
        symbols: { symbol: string; quoter: string }[];
      };
      expect(status.symbols[0]).toMatchObject({ symbol: 'BTCUSDT', quoter: 'quoting' });
    }, WAIT);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('ws_reconnect_attempts_total{exchange="bybit",ws_type="public"} 0');
    expect(metrics).toContain('http_pool_connections_limit{exchange="bybit"} 100');
    sim.faults.silencePublic(3_000);
    await vi.waitFor(async () => {
      const r = await fetch(`${url}/readyz`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reasons: string[] }).reasons).toContain('book_not_live:BTCUSDT');
    }, WAIT);
    await assertCleanShutdown(sim, bot);
  });

  it('reconnects after its sockets are dropped and quotes again', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    sim.faults.dropSockets('public');
    sim.faults.dropSockets('private');
    await vi.waitFor(async () => {
      expect(
        await metricValue(bot.metrics, 'ws_reconnect_attempts_total', { ws_type: 'public' }),
      ).toBeGreaterThan(0);
      expect(
        await metricValue(bot.metrics, 'ws_reconnect_attempts_total', { ws_type: 'private' }),
      ).toBeGreaterThan(0);
    }, WAIT);
    await vi.waitFor(() => {
      expect(bot.rt.feedState('public')).toMatch(/live/);
      expect(bot.rt.feedState('private')).toMatch(/live/);
    }, WAIT);
    await quotingBothSides(bot);
    await vi.waitFor(() => assertOrdersMatch(bot), WAIT);
    await assertCleanShutdown(sim, bot);
  });

  it('pulls its quotes when market data stops while pings still succeed, and resumes after', async () => {
    const { sim, bot } = await setup({ book: { stale_after_ms: 500 } });
    await quotingBothSides(bot);
    sim.faults.silencePublic(4_000);
    await vi.waitFor(() => expect(bot.rt.started.quoting.state('BTCUSDT')).toBe('paused'), WAIT);
    await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
    await vi.waitFor(() => expect(bot.rt.started.quoting.state('BTCUSDT')).toBe('quoting'), WAIT);
    await quotingBothSides(bot);
    await assertCleanShutdown(sim, bot);
  });

  it('resynchronises the book after a gap in u', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    sim.faults.skipU('BTCUSDT');
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_book_resyncs_total', { reason: 'gap' })).toBeGreaterThan(0);
    }, WAIT);
    await vi.waitFor(() => expect(bot.rt.started.market.bookState('BTCUSDT')).toBe('live'), WAIT);
    await quotingBothSides(bot);
    await assertCleanShutdown(sim, bot);
  });

  it('rides out REST 5xx and rate-limit bursts and reconciles', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    sim.faults.rest5xx(6);
    sim.faults.rateLimitBurst(6);
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_rest_retries_total')).toBeGreaterThan(0);
    }, WAIT);
    // Time for the unknown outcomes to be reconciled and quoting to settle.
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_reconcile_runs_total', { kind: 'periodic' })).toBeGreaterThan(
        1,
      );
      assertOrdersMatch(bot);
    }, WAIT);
    await quotingBothSides(bot);
    await assertCleanShutdown(sim, bot);
  });

  it('counts a post-only order that would cross as a rejection', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    const top = sim.exchange.bookTop('BTCUSDT')!;
    const askUnits = Math.round(Number(top.ask) * 100);
    bot.rt.started.quoting.send({ type: 'quotes.pause' });
    await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
    // A bid well through the best ask: the venue must refuse to let a PostOnly take.
    const crossing: Quotes = {
      ...NO_QUOTES,
      bids: [{ level: 0, price: askUnits + 5_000, qty: 1 }],
      skipped: null,
    };
    // The pull spent the request budget: wait for room, as the quoter would.
    await vi.waitFor(() => expect(bot.rt.budget.available(Date.now())).toBeGreaterThan(0), WAIT);
    await bot.rt.started.orders.requote('BTCUSDT', crossing);
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_orders_rejected_total', { reason: 'post_only' })).toBe(1);
    }, WAIT);
    expect(bot.venueOrders()).toEqual([]);
    expect(bot.rt.started.portfolio.positionOf('BTCUSDT')).toBe(0);
    bot.rt.started.quoting.send({ type: 'quotes.resume' });
    await quotingBothSides(bot);
    await assertCleanShutdown(sim, bot);
  });

  it('halts on a kill-switch trigger, cancels everything and stays halted', async () => {
    const { sim, bot } = await setup({ risk: { max_stale_market_data_ms: 1_500 } });
    await quotingBothSides(bot);
    sim.faults.silencePublic(3_000);
    await vi.waitFor(() => expect(bot.rt.riskState).toBe('halted'), WAIT);
    await vi.waitFor(() => expect(bot.venueOrders()).toEqual([]), WAIT);
    expect(await metricValue(bot.metrics, 'mm_risk_halts_total', { reason: 'stale_market_data' })).toBe(1);
    // Data comes back; halted is sticky until an operator resets it.
    await vi.waitFor(() => expect(bot.rt.started.market.bookState('BTCUSDT')).toBe('live'), WAIT);
    expect(bot.rt.riskState).toBe('halted');
    expect(bot.rt.started.quoting.state('BTCUSDT')).toBe('paused');
    expect(bot.venueOrders()).toEqual([]);
    await assertCleanShutdown(sim, bot);
  });

  it('with exit_on_halt, a kill-switch trigger shuts the bot down (exit 1) with every order cancelled', async () => {
    const { sim, bot } = await setup({ risk: { max_stale_market_data_ms: 1_500, exit_on_halt: true } });
    await quotingBothSides(bot);
    sim.faults.silencePublic(5_000);
    const done = await xwaitFor(bot.root, (s) => s.status === 'done', { timeout: 30_000 });
    expect(done.output).toEqual({ exitCode: 1, reason: 'exit_on_halt', verified: true });
    expect(bot.venueOrders()).toEqual([]);
  });

  it('enters orders over the WebSocket trade API when configured', async () => {
    // A slow reconnect keeps the trade socket away long enough to see the fallback.
    const { sim, bot } = await setup({
      exchange: { order_entry: 'ws' },
      websocket: { base_reconnect_delay_ms: 3_000, max_reconnect_delay_ms: 5_000 },
    });
    await vi.waitFor(() => expect(bot.rt.feedState('trade')).toMatch(/live/), WAIT);
    await quotingBothSides(bot);
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_order_requests_total', { path: 'ws' })).toBeGreaterThan(0);
    }, WAIT);
    // Without the trade socket, order entry falls back to REST.
    sim.faults.dropSockets('trade');
    const before = await metricValue(bot.metrics, 'mm_order_requests_total', { path: 'rest' });
    await vi.waitFor(async () => {
      expect(await metricValue(bot.metrics, 'mm_order_requests_total', { path: 'rest' })).toBeGreaterThan(
        before,
      );
    }, WAIT);
    await assertCleanShutdown(sim, bot);
  });

  it('cancels an open order of ours it does not know, and leaves foreign orders alone', async () => {
    const { sim, bot } = await setup();
    await quotingBothSides(bot);
    const top = sim.exchange.bookTop('BTCUSDT')!;
    const far = (Number(top.bid) * 0.9).toFixed(1);
    // Placed over the wire by another client of the same account (say, an operator's script).
    const place = (orderLinkId: string) =>
      bot.rt.rest.createOrder({
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Limit',
        qty: '0.001',
        price: far,
        timeInForce: 'GTC',
        orderLinkId,
      });
    await place('mm-stranger-1');
    await place('manual-1');
    await vi.waitFor(() => {
      const open = sim.exchange.openOrders(bot.apiKey).map((o) => String(o.orderLinkId));
      expect(open).not.toContain('mm-stranger-1');
      expect(open).toContain('manual-1');
    }, WAIT);
    expect(await metricValue(bot.metrics, 'mm_orphan_orders_cancelled_total')).toBeGreaterThan(0);
    await assertCleanShutdown(sim, bot);
    expect(sim.exchange.openOrders(bot.apiKey).map((o) => String(o.orderLinkId))).toEqual(['manual-1']);
  });
});
