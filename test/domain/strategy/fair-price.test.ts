import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../src/domain/book/order-book.js';
import { fairPrice, microprice, midPrice, topOf } from '../../../src/domain/strategy/fair-price.js';
import { BTC } from './arbitraries.js';

describe('fair price', () => {
  it('computes the mid and the size-weighted microprice', () => {
    const top = { bestBid: 1000, bestAsk: 1010, bestBidSize: 3, bestAskSize: 1 };
    expect(midPrice(top)).toBe(1005);
    // (1010·3 + 1000·1) / 4: more size on the bid pulls the fair price towards the ask.
    expect(microprice(top)).toBe(1007.5);
    expect(fairPrice('mid', top)).toBe(1005);
    expect(fairPrice('microprice', top)).toBe(1007.5);
    expect(microprice({ ...top, bestBidSize: 0, bestAskSize: 0 })).toBe(1005);
  });

  it('reads the top of an order book and agrees with its microprice', () => {
    const book = new OrderBook({ instrument: BTC, depth: 50 });
    book.applySnapshot([['60000.00', '0.300']], [['60000.10', '0.100']], 1, 1);
    const top = topOf(book);
    expect(top).toEqual({ bestBid: 6_000_000, bestAsk: 6_000_010, bestBidSize: 300, bestAskSize: 100 });
    expect(fairPrice('microprice', top)).toBe(book.microprice());
    expect(fairPrice('mid', top)).toBe(book.mid());
  });

  it('has no fair price without a two-sided, uncrossed top', () => {
    for (const top of [
      { bestBid: NaN, bestAsk: 1010, bestBidSize: 1, bestAskSize: 1 },
      { bestBid: 1000, bestAsk: NaN, bestBidSize: 1, bestAskSize: 1 },
      { bestBid: 1010, bestAsk: 1010, bestBidSize: 1, bestAskSize: 1 },
      { bestBid: 1020, bestAsk: 1010, bestBidSize: 1, bestAskSize: 1 },
    ])
      expect(fairPrice('microprice', top)).toBeNaN();
  });

  it('keeps the microprice within the touch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1e9 }),
        (bid, width, bs, as) => {
          const m = fairPrice('microprice', {
            bestBid: bid,
            bestAsk: bid + width,
            bestBidSize: bs,
            bestAskSize: as,
          });
          expect(m).toBeGreaterThanOrEqual(bid);
          expect(m).toBeLessThanOrEqual(bid + width);
        },
      ),
    );
  });
});
