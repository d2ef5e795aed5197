/** A small exchange on a SimClock for engine tests: BTCUSDT (tick 0.10 = 10 units, lot 0.001 = 1 unit). */
import { SimClock } from '../../../src/domain/clock.js';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../../src/domain/instrument.js';
import { createRng } from '../../../src/domain/random.js';
import { Exchange, type PrivateBatch } from '../../../src/sim/engine/exchange.js';
import type { CreateRequest } from '../../../src/sim/engine/requests.js';
import type { PublicTrade } from '../../../src/sim/engine/types.js';

export const BTC = toInstrument(DEFAULT_INSTRUMENTS[0]!);
export const START = 1_700_000_000_000;

export interface Harness {
  readonly clock: SimClock;
  readonly ex: Exchange;
  readonly batches: PrivateBatch[];
  readonly trades: PublicTrade[];
}

export function harness(seed = 1, accounts = 2): Harness {
  const clock = new SimClock(START);
  const ex = new Exchange({
    clock,
    rng: createRng(seed).fork('ids'),
    instruments: [BTC],
    startPrices: { BTCUSDT: 60000 },
    makerFeeRate: 0.0002,
    takerFeeRate: 0.00055,
    initialBalanceUsdt: 100_000,
    accounts: Array.from({ length: accounts }, (_, i) => ({ apiKey: `key${i}`, apiSecret: `secret${i}` })),
  });
  const batches: PrivateBatch[] = [];
  const trades: PublicTrade[] = [];
  ex.listener = {
    wantsPrivate: () => true,
    onPrivate: (b) => batches.push(b),
    onTrades: (_s, t) => trades.push(...t),
  };
  return { clock, ex, batches, trades };
}

/** A limit order request with defaults (price and qty in units). */
export function limit(
  side: 'Buy' | 'Sell',
  price: number,
  qty: number,
  extra: Partial<CreateRequest> = {},
): CreateRequest {
  return {
    symbol: 'BTCUSDT',
    side,
    orderType: 'Limit',
    qty,
    price,
    timeInForce: 'GTC',
    orderLinkId: '',
    reduceOnly: false,
    closeOnTrigger: false,
    ...extra,
  };
}

/** Puts a synthetic book around 60000.00: bids 59999.90, 59999.80 ..., asks 60000.00, 60000.10 ... */
export function seedBook(ex: Exchange, levels = 5, qty = 100): void {
  for (let i = 0; i < levels; i++) {
    ex.setSynth('BTCUSDT', true, 5_999_990 - i * 10, qty);
    ex.setSynth('BTCUSDT', false, 6_000_000 + i * 10, qty);
  }
}

export const topics = (b: PrivateBatch): string[] => b.items.map((i) => i.topic);
