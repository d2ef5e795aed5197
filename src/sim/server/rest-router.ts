/**
 * The v5 REST surface: routes, the private-request pipeline (authenticate → injected 10006 →
 * rate limit → parameters → handler) and the envelope. Business errors are HTTP 200 with
 * retCode != 0, `result: {}` and `retExtInfo: {}` (§2.3–2.4); every private response carries the
 * X-Bapi-Limit headers (§2.5); a wrong path or method is HTTP 404.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Account } from '../engine/accounts.js';
import { SimReject } from '../engine/types.js';
import { traceId } from '../ids.js';
import type { SimContext } from './context.js';
import type { Params } from './order-params.js';
import type { LimitStatus } from './rate-limit.js';
import { authenticate } from './rest-auth.js';
import { instrumentsInfo, orderbook, serverTime, tickers } from './rest-public.js';
import { executionList, orderHistory, positionList, realtimeOrders, walletBalance } from './rest-queries.js';
import type { OpOutcome } from './trade-ops.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type PublicHandler = (ctx: SimContext, p: Params) => object | SimReject;
type QueryHandler = (ctx: SimContext, account: Account, p: Params) => object | SimReject;
type OrderHandler = (ctx: SimContext, account: Account, p: Params) => OpOutcome;

const PUBLIC: Record<string, PublicHandler> = {
  '/v5/market/time': (ctx) => serverTime(ctx),
  '/v5/market/instruments-info': instrumentsInfo,
  '/v5/market/orderbook': orderbook,
  '/v5/market/tickers': tickers,
};

const QUERIES: Record<string, QueryHandler> = {
  '/v5/order/realtime': (ctx, a, p) => realtimeOrders(ctx.exchange, a, p),
  '/v5/order/history': (ctx, a, p) => orderHistory(ctx.exchange, a, p),
  '/v5/execution/list': (ctx, a, p) => executionList(ctx.exchange, a, p),
  '/v5/position/list': (ctx, a, p) => positionList(ctx.exchange, a, p),
  '/v5/account/wallet-balance': (ctx, a, p) => walletBalance(ctx.exchange, a, p),
};

const ORDERS: Record<string, OrderHandler> = {
  '/v5/order/create': (ctx, a, p) => ctx.ops.create(a, p),
  '/v5/order/amend': (ctx, a, p) => ctx.ops.amend(a, p),
  '/v5/order/cancel': (ctx, a, p) => ctx.ops.cancel(a, p),
  '/v5/order/cancel-all': (ctx, a, p) => ctx.ops.cancelAll(a, p),
  '/v5/order/create-batch': (ctx, a, p) => ctx.ops.batch('create', a, p),
  '/v5/order/amend-batch': (ctx, a, p) => ctx.ops.batch('amend', a, p),
  '/v5/order/cancel-batch': (ctx, a, p) => ctx.ops.batch('cancel', a, p),
  '/v5/order/disconnected-cancel-all': (ctx, a, p) => ctx.ops.dcp(a, p),
};

/** The endpoint group a path spends from ('/v5/order/create' → 'order/create'). */
const groupOf = (path: string): string => path.slice('/v5/'.length);

function envelope(
  ctx: SimContext,
  retCode: number,
  retMsg: string,
  result: object,
  retExtInfo: object,
  extra: Record<string, string> = {},
  status = 200,
): HttpReply {
  const now = ctx.clock.now();
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      timenow: String(now),
      traceid: traceId(ctx.rng),
      ret_code: String(retCode),
      ...extra,
    },
    body: JSON.stringify({ retCode, retMsg, result, retExtInfo, time: now }),
  };
}

const reject = (ctx: SimContext, r: SimReject, extra?: Record<string, string>): HttpReply =>
  envelope(ctx, r.retCode, r.retMsg, {}, {}, extra);

function limitHeaders(l: LimitStatus): Record<string, string> {
  return {
    'x-bapi-limit': String(l.limit),
    'x-bapi-limit-status': String(l.remaining),
    'x-bapi-limit-reset-timestamp': String(l.resetAt),
  };
}

function parseBody(raw: string): Params | SimReject {
  if (raw.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return new SimReject(10001, 'params error: the request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return new SimReject(10001, 'params error: the request body must be a JSON object');
  return v as Params;
}

const queryParams = (raw: string): Params => Object.fromEntries(new URLSearchParams(raw));

/** Answers one REST request. `rawQuery` is the exact text after `?`, `rawBody` the exact body. */
export function routeRest(
  ctx: SimContext,
  method: string,
  path: string,
  rawQuery: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
): HttpReply {
  const pub = PUBLIC[path];
  if (pub !== undefined && method === 'GET') {
    const r = pub(ctx, queryParams(rawQuery));
    return r instanceof SimReject ? reject(ctx, r) : envelope(ctx, 0, 'OK', r, {});
  }
  const query = QUERIES[path];
  const order = ORDERS[path];
  if ((query === undefined || method !== 'GET') && (order === undefined || method !== 'POST'))
    return envelope(ctx, 10017, 'route not found', {}, {}, {}, 404);

  const group = groupOf(path);
  const payload = method === 'GET' ? rawQuery : rawBody;
  const account = authenticate(ctx.exchange, headers, payload, ctx.clock.now());
  if (account instanceof SimReject) {
    const limit = ctx.ops.limitOf(group);
    return reject(
      ctx,
      account,
      limitHeaders({ limit, remaining: limit, resetAt: ctx.clock.now(), granted: 0 }),
    );
  }
  if (ctx.faults.takeRateLimited()) {
    const limit = ctx.ops.limitOf(group);
    return reject(
      ctx,
      new SimReject(10006, 'Too many visits'),
      limitHeaders({ limit, remaining: 0, resetAt: ctx.clock.now() + 1000, granted: 0 }),
    );
  }
  if (query !== undefined) {
    const limit = ctx.ops.spend(account, group);
    if (limit.granted === 0) return reject(ctx, new SimReject(10006, 'Too many visits'), limitHeaders(limit));
    const r = query(ctx, account, queryParams(rawQuery));
    return r instanceof SimReject
      ? reject(ctx, r, limitHeaders(limit))
      : envelope(ctx, 0, 'OK', r, {}, limitHeaders(limit));
  }
  const body = parseBody(rawBody);
  if (body instanceof SimReject) return reject(ctx, body, limitHeaders(ctx.ops.peek(account, group)));
  const out = order!(ctx, account, body);
  return envelope(ctx, out.retCode, out.retMsg, out.result, out.retExtInfo, limitHeaders(out.limit));
}
