/** Read access to the venue's state for tests and tools, in the REST wire shapes. */
import { formatPrice, formatQty } from '../domain/instrument.js';
import type { Account } from './engine/accounts.js';
import type { Exchange } from './engine/exchange.js';
import type { SimExecution } from './engine/types.js';
import { restPosition, walletAccount } from './wire/account.js';
import { restExecution } from './wire/execution.js';
import { restOrder, type WireOrder } from './wire/order.js';

/** Read access to the venue's state, for tests and tools; shapes are the REST wire objects. */
export interface SimExchangeView {
  /** The engine itself (for white-box tests). */
  readonly engine: Exchange;
  openOrders(apiKey: string, symbol?: string): WireOrder[];
  order(apiKey: string, id: { orderId?: string; orderLinkId?: string }): WireOrder | undefined;
  position(apiKey: string, symbol: string): Record<string, unknown>;
  wallet(apiKey: string): Record<string, unknown>;
  executions(apiKey: string, symbol?: string): Record<string, unknown>[];
  bookTop(
    symbol: string,
  ): { bid: string; bidSize: string; ask: string; askSize: string; mark: string } | undefined;
}

/** Builds the read-only view of an exchange. */
export function view(ex: Exchange): SimExchangeView {
  const acc = (apiKey: string): Account => {
    const a = ex.accountByKey(apiKey);
    if (a === undefined) throw new RangeError('unknown api key');
    return a;
  };
  const wireOrder = (o: Parameters<typeof restOrder>[0]): WireOrder => {
    const s = ex.symbol(o.symbol)!;
    return restOrder(o, s.inst, s.factor);
  };
  return {
    engine: ex,
    openOrders: (apiKey, symbol) =>
      [...acc(apiKey).open.values()]
        .filter((o) => symbol === undefined || o.symbol === symbol)
        .map(wireOrder),
    order: (apiKey, id) => {
      const o = acc(apiKey).find(id.orderId, id.orderLinkId);
      return o === undefined ? undefined : wireOrder(o);
    },
    position: (apiKey, symbol) => {
      const s = ex.symbol(symbol);
      if (s === undefined) throw new RangeError(`unknown symbol ${symbol}`);
      return restPosition(acc(apiKey), s, ex.clock.now());
    },
    wallet: (apiKey) => walletAccount(ex, acc(apiKey)),
    executions: (apiKey, symbol) =>
      acc(apiKey)
        .executions.filter((e: SimExecution) => symbol === undefined || e.symbol === symbol)
        .map((e) => restExecution(e, ex.symbol(e.symbol)!.inst)),
    bookTop: (symbol) => {
      const s = ex.symbol(symbol);
      const bid = s?.book.bids.best();
      const ask = s?.book.asks.best();
      if (s === undefined || bid === undefined || ask === undefined) return undefined;
      return {
        bid: formatPrice(s.inst, bid.price),
        bidSize: formatQty(s.inst, bid.synth + bid.user),
        ask: formatPrice(s.inst, ask.price),
        askSize: formatQty(s.inst, ask.synth + ask.user),
        mark: formatPrice(s.inst, s.mark),
      };
    },
  };
}
