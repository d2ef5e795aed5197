/** Public REST market data (docs/bybit-v5-protocol.md §3.11–3.14). */
import { formatPrice, formatQty } from '../../domain/instrument.js';
import { SimReject } from '../engine/types.js';
import { instrumentInfo, restTicker } from '../wire/market.js';
import type { SimContext } from './context.js';
import { str, symbolOf, type Params } from './order-params.js';

/** GET /v5/market/time. */
export function serverTime(ctx: SimContext): object {
  const now = ctx.clock.now();
  return { timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` };
}

function linearOnly(p: Params): SimReject | undefined {
  const c = str(p, 'category');
  if (c === undefined) return new SimReject(10001, 'params error: category is required');
  return c === 'linear'
    ? undefined
    : new SimReject(10001, `params error: category ${c} is not supported, only linear`);
}

/** GET /v5/market/instruments-info. */
export function instrumentsInfo(ctx: SimContext, p: Params): object | SimReject {
  const bad = linearOnly(p);
  if (bad !== undefined) return bad;
  const symbol = str(p, 'symbol');
  const baseCoin = str(p, 'baseCoin');
  const list = [...ctx.exchange.symbols.values()]
    .filter(
      (s) =>
        (symbol === undefined || s.inst.symbol === symbol) &&
        (baseCoin === undefined || s.inst.baseCoin === baseCoin),
    )
    .map((s) => instrumentInfo(s.inst, ctx.startedAt));
  return { category: 'linear', list, nextPageCursor: '' };
}

/** GET /v5/market/orderbook (limit 1..1000, default 25). */
export function orderbook(ctx: SimContext, p: Params): object | SimReject {
  const s = symbolOf(ctx.exchange, p);
  if (s instanceof SimReject) return s;
  const rawLimit = str(p, 'limit');
  const limit = rawLimit === undefined ? 25 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    return new SimReject(10001, 'params error: limit must be 1 to 1000');
  const side = (isBid: boolean): string[][] => {
    const prices: number[] = [];
    const sizes: number[] = [];
    s.book.side(isBid).top(limit, prices, sizes);
    return prices.map((px, i) => [formatPrice(s.inst, px), formatQty(s.inst, sizes[i]!)]);
  };
  return {
    s: s.inst.symbol,
    b: side(true),
    a: side(false),
    ts: ctx.clock.now(),
    u: ctx.bookU(s.inst.symbol),
    seq: ctx.exchange.seq,
    cts: s.book.changedAt,
  };
}

/** GET /v5/market/tickers. */
export function tickers(ctx: SimContext, p: Params): object | SimReject {
  const bad = linearOnly(p);
  if (bad !== undefined) return bad;
  const symbol = str(p, 'symbol');
  const now = ctx.clock.now();
  const list = [];
  for (const s of ctx.exchange.symbols.values()) {
    if (symbol !== undefined && s.inst.symbol !== symbol) continue;
    list.push(restTicker(s, ctx.stats.get(s.inst.symbol)!.stats(now, s.lastPrice), now));
  }
  if (symbol !== undefined && list.length === 0)
    return new SimReject(10001, `params error: symbol invalid: ${symbol}`);
  return { category: 'linear', list };
}
