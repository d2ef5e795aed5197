import { describe, expect, it } from 'vitest';
import { compareWithVenue, type BotSide, type VenueSide } from '../../../src/domain/soak/compare.js';

const bot = (over: Partial<BotSide['symbols'][number]> = {}, top: Partial<BotSide> = {}): BotSide => ({
  ready: true,
  readyReasons: [],
  feeds: { public: 'session.live', private: 'session.live' },
  symbols: [
    {
      symbol: 'BTCUSDT',
      orders: [
        { orderLinkId: 'mm-a-1', state: 'new' },
        { orderLinkId: 'mm-a-2', state: 'partiallyFilled' },
      ],
      position: 0.002,
      bestBid: '60000.0',
      bestAsk: '60000.1',
      ...over,
    },
  ],
  ...top,
});

const venue = (over: Partial<VenueSide> = {}): VenueSide[] => [
  {
    symbol: 'BTCUSDT',
    openOrders: ['mm-a-1', 'mm-a-2'],
    position: 0.002,
    bestBid: 60000,
    bestAsk: 60000.1,
    ...over,
  },
];

describe('compareWithVenue', () => {
  it('notes a kill-switch halt without failing the connection checks', () => {
    const halted = compareWithVenue(bot({}, { ready: false, readyReasons: ['risk_halted'] }), venue());
    expect(halted).toEqual({ failed: [], details: [], notes: ['risk halted (kill switch)'] });
    const both = compareWithVenue(
      bot({}, { ready: false, readyReasons: ['risk_halted', 'book_not_live:BTCUSDT'] }),
      venue(),
    );
    expect(both.failed).toEqual(['feeds']);
  });

  it('agrees when orders, position and book match and the feeds are live', () => {
    expect(compareWithVenue(bot(), venue())).toEqual({ failed: [], details: [], notes: [] });
  });

  it('tolerates orders in flight on either side', () => {
    const b = bot({
      orders: [
        { orderLinkId: 'mm-a-1', state: 'new' },
        { orderLinkId: 'mm-a-2', state: 'pendingCancel' },
        { orderLinkId: 'mm-a-3', state: 'pendingNew' },
      ],
    });
    expect(compareWithVenue(b, venue({ openOrders: ['mm-a-1', 'mm-a-2'] })).failed).toEqual([]);
    expect(compareWithVenue(b, venue({ openOrders: ['mm-a-1'] })).failed).toEqual([]);
  });

  it('flags an order on the venue the bot does not know, and a settled one missing there', () => {
    const c = compareWithVenue(bot(), venue({ openOrders: ['mm-a-1', 'mm-a-2', 'mm-z-9'] }));
    expect(c.failed).toEqual(['orders']);
    expect(c.details[0]).toContain('1 open on the venue unknown to the bot');
    expect(compareWithVenue(bot(), venue({ openOrders: ['mm-a-1'] })).failed).toEqual(['orders']);
  });

  it('flags a position mismatch, a distant book, dead feeds and a missing symbol', () => {
    expect(compareWithVenue(bot(), venue({ position: -0.002 })).failed).toEqual(['position']);
    expect(compareWithVenue(bot(), venue({ bestBid: 60100, bestAsk: 60100.1 })).failed).toEqual(['book']);
    expect(compareWithVenue(bot({ bestBid: null }), venue()).failed).toEqual(['book']);
    const down = compareWithVenue(
      bot({}, { ready: false, readyReasons: ['book_not_live:BTCUSDT'], feeds: { public: 'backoff' } }),
      venue(),
    );
    expect(down.failed).toEqual(['feeds']);
    expect(down.details[0]).toBe('feeds: not ready: book_not_live:BTCUSDT; public backoff');
    expect(compareWithVenue(bot(), venue({ symbol: 'ETHUSDT' })).failed).toEqual(['status']);
  });
});
