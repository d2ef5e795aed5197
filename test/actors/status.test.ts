import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { botStatus, statusText, type BotStatus } from '../../src/actors/status.js';
import type { Runtime } from '../../src/actors/runtime.js';
import { createStatusLine } from '../../src/adapters/console/status-line.js';
import { connectionPhase, StateHistory } from '../../src/adapters/web/state-history.js';
import { SimClock } from '../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../src/domain/instrument.js';
import { testConfig } from '../helpers/bot-harness.js';

const status: BotStatus = {
  feeds: { public: 'session.live.receiving', private: 'backoff' },
  risk: 'active',
  riskReasons: [],
  pnl: -1.234,
  symbols: [
    {
      symbol: 'BTCUSDT',
      quoter: 'quoting',
      book: 'live',
      bestBid: '60000.10',
      bestAsk: '60000.20',
      orders: [
        { orderLinkId: 'mm-1', side: 'Buy', price: '59990.00', qty: '0.001', filled: '0.000', state: 'new' },
      ],
      position: 0.002,
      realisedPnl: 0,
      unrealisedPnl: 0,
      fees: 0,
      fills: 3,
      bids: [],
      asks: [],
      mid: null,
      spreadBps: null,
      bookAgeMs: null,
      volBps: null,
      inventory: { positionBase: 0.002, notional: 120, ratio: 0.04, avgEntry: null, mark: null },
      pnl: { equity: -1.234, daily: -1.234, drawdown: 1.234 },
    },
  ],
  at: 0,
  mode: 'paper',
  prefix: 'mm',
  machines: [],
  totals: { realisedPnl: 0, unrealisedPnl: 0, fees: 0, dailyPnl: 0, drawdown: 0, consecutiveLosses: 0 },
  orderCounts: { new: 1 },
  reconnects: { feeds: {}, history: [] },
};

describe('status line', () => {
  it('shows each machine, the book, orders, position, PnL and the sockets on one line', () => {
    const text = statusText(status);
    expect(text).toBe(
      'BTCUSDT quoting book 60000.10/60000.20 orders 1 pos 0.002 fills 3 | pnl -1.23 | risk active | public:receiving private:backoff',
    );
    expect(text).not.toContain('\n');
  });

  it('rewrites the line in place, clearing what a longer previous line left', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream;
    Object.assign(out, { columns: 80 });
    let written = '';
    (out as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
    const line = createStatusLine(out);
    line.update('a longer first line');
    line.update('short');
    line.done();
    expect(written).toBe(`\ra longer first line\rshort${' '.repeat(14)}\n`);
  });
});

describe('state history', () => {
  it('keeps changes with their times, counts entries per state and forgets the oldest past its limit', () => {
    const h = new StateHistory(3);
    h.observe('feed.public', 'session.live', 100);
    h.observe('feed.public', 'session.live', 150);
    h.observe('feed.public', 'backoff', 200);
    h.observe('feed.public', 'session.connecting', 300);
    h.observe('feed.public', 'session.live', 400);
    h.observe('feed.public', 'backoff', 500);
    expect(h.changes()).toEqual([
      { at: 300, machine: 'feed.public', from: 'backoff', to: 'session.connecting' },
      { at: 400, machine: 'feed.public', from: 'session.connecting', to: 'session.live' },
      { at: 500, machine: 'feed.public', from: 'session.live', to: 'backoff' },
    ]);
    expect(h.entries('feed.public', 'backoff')).toBe(2);
    const leftLive = (from: string) => from === 'session.live';
    expect(h.moves('feed.public', leftLive)).toBe(2);
    expect(h.moves('feed.public', (from, to) => from === 'backoff' && to === 'session.connecting')).toBe(1);
    expect(h.moves('feed.private', () => true)).toBe(0);
    expect(h.current('feed.public')).toEqual({ state: 'backoff', since: 500 });
  });

  it('reduces a connection state to its phase', () => {
    expect(connectionPhase('session.live.receiving')).toBe('session.live');
    expect(connectionPhase('backoff')).toBe('backoff');
  });
});

/** A runtime with one started symbol, built from plain stand-ins (prices in units of 0.01). */
function fakeRuntime(clock: SimClock): Runtime {
  const config = testConfig();
  const inst = toInstrument(DEFAULT_INSTRUMENTS[0]!);
  const order = (id: string, side: string, price: number, state: string, cumQty = 0) => ({
    orderLinkId: id,
    symbol: 'BTCUSDT',
    side,
    state,
    price,
    qty: 1,
    cumQty,
  });
  const snapshot = {
    symbol: 'BTCUSDT',
    positionBase: -0.01,
    positionNotional: 600,
    realisedPnl: 1.5,
    unrealisedPnl: -0.5,
    fees: -0.25,
    equity: 1.25,
    dailyPnl: 1.25,
    drawdown: 0.1,
    avgEntryPrice: 60000,
    markPrice: 60010,
    fillsApplied: 4,
  };
  const feeds: Record<string, string> = { public: 'session.live.receiving', private: 'backoff' };
  return {
    d: { config, clock },
    isStarted: true,
    riskState: 'reducing',
    lastVerdict: { level: 'reduce', reasons: ['position_near_limit'] },
    limits: { maxPositionBase: 0.05 },
    feedState: (k: string) => feeds[k] ?? 'idle',
    started: {
      instruments: new Map([['BTCUSDT', inst]]),
      market: {
        marketInput: () => ({ bestBid: 6_000_010, bestAsk: 6_000_020, volBps: 3.5 }),
        levels: (_s: string, n: number) => ({
          bids: [{ price: 6_000_010, size: 250 }].slice(0, n),
          asks: [
            { price: 6_000_020, size: 100 },
            { price: 6_000_030, size: 7 },
          ].slice(0, n),
        }),
        midPrice: () => 60000.15,
        ageMs: () => 120,
        bookState: () => 'live',
      },
      orders: {
        orders: () => [
          order('mm-1', 'Buy', 5_999_900, 'new'),
          order('mm-2', 'Sell', 6_000_100, 'partiallyFilled', 1),
          order('mm-3', 'Sell', 6_000_200, 'cancelled'),
          order('mm-4', 'Buy', 5_999_800, 'filled', 1),
        ],
      },
      portfolio: {
        snapshot: () => snapshot,
        totals: () => ({ pnl: 1.25, dailyPnl: 1.25, drawdown: 0.1, consecutiveLosses: 2 }),
      },
      quoting: { state: () => 'quoting' },
    },
  } as unknown as Runtime;
}

describe('bot status', () => {
  it('reports the book with our live orders, inventory against its limit, PnL and machine states', () => {
    const clock = new SimClock(1_000);
    const history = new StateHistory();
    history.observe('feed.private', 'session.live', 200);
    // A stall of the data is not a drop; the socket going down from it is.
    history.observe('feed.private', 'session.stale', 300);
    history.observe('feed.private', 'session.live', 400);
    history.observe('feed.private', 'session.stale', 500);
    history.observe('feed.private', 'backoff', 900);
    history.observe('risk', 'reducing', 950);
    const s = botStatus(fakeRuntime(clock), { history, bookLevels: 1, rootState: 'running.steady' });
    expect(s.at).toBe(1_000);
    expect(s.machines).toEqual([
      { name: 'root', state: 'running.steady', since: null },
      { name: 'feed.public', state: 'session.live.receiving', since: null },
      { name: 'feed.private', state: 'backoff', since: 900 },
      { name: 'risk', state: 'reducing', since: 950 },
      { name: 'quoter.BTCUSDT', state: 'quoting', since: null },
      { name: 'book.BTCUSDT', state: 'live', since: null },
    ]);
    const [x] = s.symbols;
    // Final orders are gone; the rest are sorted by price, highest first, formatted on the grid.
    expect(x!.orders).toEqual([
      {
        orderLinkId: 'mm-2',
        side: 'Sell',
        price: '60001.00',
        qty: '0.001',
        filled: '0.001',
        state: 'partiallyFilled',
      },
      { orderLinkId: 'mm-1', side: 'Buy', price: '59999.00', qty: '0.001', filled: '0.000', state: 'new' },
    ]);
    expect(x!.bids).toEqual([{ price: '60000.10', size: '0.250' }]);
    expect(x!.asks).toEqual([{ price: '60000.20', size: '0.100' }]);
    const { ratio, ...inventory } = x!.inventory;
    expect(inventory).toEqual({ positionBase: -0.01, notional: 600, avgEntry: 60000, mark: 60010 });
    expect(ratio).toBeCloseTo(-0.2, 12);
    expect(x!.spreadBps).toBeCloseTo((0.1 / 60000.15) * 1e4, 6);
    expect(s.orderCounts).toEqual({ new: 1, partiallyFilled: 1 });
    expect(s.totals).toMatchObject({ realisedPnl: 1.5, fees: -0.25, consecutiveLosses: 2 });
    expect(s.pnl).toBe(1.25);
    expect(s.riskReasons).toEqual(['position_near_limit']);
    expect(s.reconnects.feeds['private']).toEqual({
      state: 'backoff',
      drops: 1,
      reconnectAttempts: 1,
      gaveUp: false,
    });
    expect(s.reconnects.history).toEqual([
      { at: 300, machine: 'feed.private', from: 'session.live', to: 'session.stale' },
      { at: 400, machine: 'feed.private', from: 'session.stale', to: 'session.live' },
      { at: 500, machine: 'feed.private', from: 'session.live', to: 'session.stale' },
      { at: 900, machine: 'feed.private', from: 'session.stale', to: 'backoff' },
    ]);
    // The status is plain data: it survives JSON unchanged (what /status and /events send).
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
