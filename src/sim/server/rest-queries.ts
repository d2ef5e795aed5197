/**
 * Private REST queries: open and recent orders, order history, executions, positions and the wallet
 * (docs/bybit-v5-protocol.md §3.6–3.10). Lists are newest first; cursors are opaque strings that
 * resume strictly after the last item returned, so pages stay stable while new items arrive.
 */
import type { Account } from '../engine/accounts.js';
import type { Exchange } from '../engine/exchange.js';
import { SimReject, type SimExecution, type SimOrder } from '../engine/types.js';
import { walletAccount, restPosition } from '../wire/account.js';
import { restExecution } from '../wire/execution.js';
import { restOrder } from '../wire/order.js';
import { str, type Params } from './order-params.js';

const paramError = (what: string): SimReject => new SimReject(10001, `params error: ${what}`);

function linear(p: Params): SimReject | undefined {
  const c = str(p, 'category');
  if (c === undefined) return paramError('category is required');
  return c === 'linear' ? undefined : paramError(`category ${c} is not supported, only linear`);
}

/** Takes a page of items sorted newest first by `key`. */
function page<T>(
  items: readonly T[],
  key: (t: T) => number,
  p: Params,
  max: number,
  fallback: number,
): { list: T[]; nextPageCursor: string } | SimReject {
  const rawLimit = str(p, 'limit');
  const limit = rawLimit === undefined ? fallback : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return paramError(`limit must be 1 to ${max}`);
  const rawCursor = str(p, 'cursor');
  let start = 0;
  if (rawCursor !== undefined) {
    const c = Number(decodeURIComponent(rawCursor).replace(/^c:/, ''));
    if (!Number.isFinite(c)) return paramError('cursor invalid');
    while (start < items.length && key(items[start]!) >= c) start++;
  }
  const list = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { list, nextPageCursor: more && list.length > 0 ? `c:${key(list[list.length - 1]!)}` : '' };
}

function timeWindow(p: Params): { from: number; to: number } | SimReject {
  const s = str(p, 'startTime');
  const e = str(p, 'endTime');
  const from = s === undefined ? -Infinity : Number(s);
  const to = e === undefined ? Infinity : Number(e);
  if (Number.isNaN(from) || Number.isNaN(to))
    return paramError('startTime and endTime must be ms timestamps');
  return { from, to };
}

function bySymbolFilters(ex: Exchange, p: Params): ((symbol: string) => boolean) | SimReject {
  const symbol = str(p, 'symbol');
  const baseCoin = str(p, 'baseCoin');
  const settleCoin = str(p, 'settleCoin');
  if (symbol !== undefined) return (s) => s === symbol;
  if (baseCoin !== undefined) return (s) => ex.symbol(s)?.inst.baseCoin === baseCoin;
  if (settleCoin !== undefined) return (s) => ex.symbol(s)?.inst.quoteCoin === settleCoin;
  return () => true;
}

const newestFirst = (a: SimOrder, b: SimOrder): number => b.createdSeq - a.createdSeq;

function orderList(ex: Exchange, orders: SimOrder[], p: Params): object | SimReject {
  const pg = page(orders, (o) => o.createdSeq, p, 50, 20);
  if (pg instanceof SimReject) return pg;
  return {
    category: 'linear',
    nextPageCursor: pg.nextPageCursor,
    list: pg.list.map((o) => {
      const s = ex.symbol(o.symbol)!;
      return restOrder(o, s.inst, s.factor);
    }),
  };
}

/** GET /v5/order/realtime: open orders (openOnly=0) or recent closed ones (openOnly=1); by id either way. */
export function realtimeOrders(ex: Exchange, account: Account, p: Params): object | SimReject {
  const bad = linear(p);
  if (bad !== undefined) return bad;
  const orderId = str(p, 'orderId');
  const orderLinkId = str(p, 'orderLinkId');
  if (orderId !== undefined || orderLinkId !== undefined) {
    const o = account.find(orderId, orderLinkId);
    const symbol = str(p, 'symbol');
    const hit = o !== undefined && (symbol === undefined || o.symbol === symbol) ? [o] : [];
    return orderList(ex, hit, p);
  }
  if (
    str(p, 'symbol') === undefined &&
    str(p, 'baseCoin') === undefined &&
    str(p, 'settleCoin') === undefined
  )
    return paramError('symbol, baseCoin or settleCoin is required');
  const keep = bySymbolFilters(ex, p);
  if (keep instanceof SimReject) return keep;
  const openOnly = str(p, 'openOnly') ?? '0';
  if (openOnly !== '0' && openOnly !== '1' && openOnly !== '2')
    return paramError('openOnly must be 0, 1 or 2');
  const source = openOnly === '0' ? [...account.open.values()] : [...account.recent()];
  return orderList(ex, source.filter((o) => keep(o.symbol)).sort(newestFirst), p);
}

/** GET /v5/order/history: every retained order, open or closed. */
export function orderHistory(ex: Exchange, account: Account, p: Params): object | SimReject {
  const bad = linear(p);
  if (bad !== undefined) return bad;
  const keep = bySymbolFilters(ex, p);
  if (keep instanceof SimReject) return keep;
  const win = timeWindow(p);
  if (win instanceof SimReject) return win;
  const orderId = str(p, 'orderId');
  const orderLinkId = str(p, 'orderLinkId');
  const status = str(p, 'orderStatus');
  const list = [...account.orders.values()].filter(
    (o) =>
      keep(o.symbol) &&
      (orderId === undefined || o.orderId === orderId) &&
      (orderLinkId === undefined || o.orderLinkId === orderLinkId) &&
      (status === undefined || o.status === status) &&
      o.createdTime >= win.from &&
      o.createdTime <= win.to,
  );
  return orderList(ex, list.sort(newestFirst), p);
}

/** GET /v5/execution/list. */
export function executionList(ex: Exchange, account: Account, p: Params): object | SimReject {
  const bad = linear(p);
  if (bad !== undefined) return bad;
  const keep = bySymbolFilters(ex, p);
  if (keep instanceof SimReject) return keep;
  const win = timeWindow(p);
  if (win instanceof SimReject) return win;
  const orderId = str(p, 'orderId');
  const orderLinkId = str(p, 'orderLinkId');
  const execType = str(p, 'execType');
  const list: SimExecution[] = [];
  const all = account.executions;
  for (let i = all.length - 1; i >= 0; i--) {
    const e = all[i]!;
    if (
      keep(e.symbol) &&
      (orderId === undefined || e.orderId === orderId) &&
      (orderLinkId === undefined || e.orderLinkId === orderLinkId) &&
      (execType === undefined || execType === 'Trade') &&
      e.time >= win.from &&
      e.time <= win.to
    )
      list.push(e);
  }
  const pg = page(list, (e) => e.execSeq, p, 100, 50);
  if (pg instanceof SimReject) return pg;
  return {
    category: 'linear',
    nextPageCursor: pg.nextPageCursor,
    list: pg.list.map((e) => restExecution(e, ex.symbol(e.symbol)!.inst)),
  };
}

/** GET /v5/position/list: by symbol (a row even when flat) or settleCoin (non-zero rows only). */
export function positionList(ex: Exchange, account: Account, p: Params): object | SimReject {
  const bad = linear(p);
  if (bad !== undefined) return bad;
  const symbol = str(p, 'symbol');
  const settleCoin = str(p, 'settleCoin');
  const now = ex.clock.now();
  let rows;
  if (symbol !== undefined) {
    const s = ex.symbol(symbol);
    if (s === undefined) return paramError(`symbol invalid: ${symbol}`);
    rows = [restPosition(account, s, now)];
  } else if (settleCoin !== undefined) {
    rows = [...ex.symbols.values()]
      .filter(
        (s) => s.inst.quoteCoin === settleCoin && (account.positions.get(s.inst.symbol)?.size ?? 0) !== 0,
      )
      .map((s) => restPosition(account, s, now));
  } else return paramError('symbol or settleCoin is required');
  const pg = page(rows, (_r) => 0, { limit: str(p, 'limit') ?? '200' }, 200, 20);
  if (pg instanceof SimReject) return pg;
  return { category: 'linear', nextPageCursor: '', list: pg.list };
}

/** GET /v5/account/wallet-balance (UNIFIED, USDT). */
export function walletBalance(ex: Exchange, account: Account, p: Params): object | SimReject {
  const type = str(p, 'accountType');
  if (type !== 'UNIFIED')
    return paramError(`accountType ${type ?? '(missing)'} is not supported, only UNIFIED`);
  const coins = str(p, 'coin');
  const w = walletAccount(ex, account);
  if (coins !== undefined && !coins.split(',').includes('USDT')) return { list: [{ ...w, coin: [] }] };
  return { list: [w] };
}
