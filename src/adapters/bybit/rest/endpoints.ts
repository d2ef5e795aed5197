/**
 * The v5 endpoints a market maker calls (docs/bybit-v5-protocol.md §3), on top of RestClient.
 * Each validates its `result` and returns typed values; lists follow `nextPageCursor` to the end.
 * Category defaults to linear.
 */
import type { z } from 'zod';
import type { InstrumentSpec } from '../../../domain/instrument.js';
import { BadResponseError, InvariantError } from '../../../errors.js';
import { mergeBatch, type BatchItemResult } from './batch.js';
import { RestClient, type RestClientDeps } from './client.js';
import type {
  AmendOrderRequest,
  BatchItem,
  CancelOrderRequest,
  Category,
  CreateOrderRequest,
  ExecutionsQuery,
  OpenOrdersQuery,
} from './requests.js';
import {
  anyObjectSchema,
  wireBatchResultSchema,
  wireCancelAllSchema,
  wireExecutionPageSchema,
  wireInstrumentPageSchema,
  wireOrderAckSchema,
  wireOrderbookSchema,
  wireOrderPageSchema,
  wirePositionPageSchema,
  wireServerTimeSchema,
  wireWalletListSchema,
  type WireExecution,
  type WireInstrument,
  type WireOrder,
  type WireOrderAck,
  type WireOrderbook,
  type WirePosition,
  type WireWallet,
} from './schemas.js';

/** An accepted create/amend/cancel; the order's fate arrives on the private `order` stream. */
export type OrderAck = Pick<WireOrderAck, 'orderId' | 'orderLinkId'>;

export interface CancelAllResult {
  /** Orders the venue cancelled. */
  readonly cancelled: readonly OrderAck[];
  /** Bybit's `success` flag ("1"); true when absent. */
  readonly success: boolean;
}

/** A REST order-book snapshot (§3.12); levels stay decimal strings. */
export interface OrderbookSnapshot {
  readonly symbol: string;
  /** [price, size], best first. */
  readonly bids: readonly (readonly [string, string])[];
  readonly asks: readonly (readonly [string, string])[];
  /** Server time of the snapshot (ms). */
  readonly ts: number;
  /** Update id, comparable with the 1000-level stream's `u`. */
  readonly u: number;
  readonly seq: number | undefined;
}

/** Largest batch Bybit takes for linear, inverse and option (§3.5). */
export const MAX_BATCH = 20;
/** Pages followed before a cursor chain is judged broken. */
const MAX_PAGES = 200;
const DEFAULT_CATEGORY: Category = 'linear';
const DEFAULT_SETTLE_COIN = 'USDT';

interface Page<T> {
  readonly list: T[];
  readonly nextPageCursor?: string | undefined;
}

/** The Bybit v5 REST API: RestClient plus one method per endpoint. */
export class BybitRest extends RestClient {
  readonly #rateLimitDefaultMs: number;

  constructor(deps: RestClientDeps) {
    super(deps);
    this.#rateLimitDefaultMs = deps.retryPolicy?.rateLimitDefaultMs ?? 1_000;
  }

  /** Places an order (POST /v5/order/create); the ack means accepted, not resting. */
  async createOrder(req: CreateOrderRequest): Promise<OrderAck> {
    return this.#ack('/v5/order/create', withCategory(req));
  }

  /** Amends price and/or qty of a New or PartiallyFilled order (POST /v5/order/amend). */
  async amendOrder(req: AmendOrderRequest): Promise<OrderAck> {
    requireRef('/v5/order/amend', req);
    return this.#ack('/v5/order/amend', withCategory(req));
  }

  /** Cancels one order (POST /v5/order/cancel); an unknown or closed one is OrderNotFoundError. */
  async cancelOrder(req: CancelOrderRequest): Promise<OrderAck> {
    requireRef('/v5/order/cancel', req);
    return this.#ack('/v5/order/cancel', withCategory(req));
  }

  /** Cancels every open order of a symbol (POST /v5/order/cancel-all). */
  async cancelAllOrders(symbol: string, category: Category = DEFAULT_CATEGORY): Promise<CancelAllResult> {
    const { result } = await this.call({
      method: 'POST',
      path: '/v5/order/cancel-all',
      params: { category, symbol },
      signed: true,
      write: true,
      result: wireCancelAllSchema,
    });
    return {
      cancelled: result.list.map((o) => ({ orderId: o.orderId, orderLinkId: o.orderLinkId })),
      success: result.success === undefined || result.success === '1',
    };
  }

  /** Places up to 20 orders at once; one result per item, in request order. */
  async createOrderBatch(
    items: readonly BatchItem<CreateOrderRequest>[],
    category: Category = DEFAULT_CATEGORY,
    onWrite?: () => void,
  ): Promise<BatchItemResult[]> {
    return this.#batch('/v5/order/create-batch', items, category, onWrite);
  }

  /** Amends up to 20 orders at once; one result per item, in request order. */
  async amendOrderBatch(
    items: readonly BatchItem<AmendOrderRequest>[],
    category: Category = DEFAULT_CATEGORY,
    onWrite?: () => void,
  ): Promise<BatchItemResult[]> {
    for (const item of items) requireRef('/v5/order/amend-batch', item);
    return this.#batch('/v5/order/amend-batch', items, category, onWrite);
  }

  /** Cancels up to 20 orders at once; one result per item, in request order. */
  async cancelOrderBatch(
    items: readonly BatchItem<CancelOrderRequest>[],
    category: Category = DEFAULT_CATEGORY,
    onWrite?: () => void,
  ): Promise<BatchItemResult[]> {
    for (const item of items) requireRef('/v5/order/cancel-batch', item);
    return this.#batch('/v5/order/cancel-batch', items, category, onWrite);
  }

  /**
   * Lists orders (GET /v5/order/realtime) through every page. Without symbol, orderId or
   * orderLinkId it covers every USDT-settled symbol, which the start-up sweep needs.
   */
  async getOpenOrders(query: OpenOrdersQuery = {}): Promise<WireOrder[]> {
    const named = query.symbol ?? query.orderId ?? query.orderLinkId ?? query.settleCoin;
    return this.#paginate('/v5/order/realtime', wireOrderPageSchema, {
      category: query.category ?? DEFAULT_CATEGORY,
      symbol: query.symbol,
      settleCoin: named === undefined ? DEFAULT_SETTLE_COIN : query.settleCoin,
      orderId: query.orderId,
      orderLinkId: query.orderLinkId,
      openOnly: query.openOnly,
      limit: 50,
    });
  }

  /** Lists executions (GET /v5/execution/list), newest first, through every page. */
  async getExecutions(query: ExecutionsQuery = {}): Promise<WireExecution[]> {
    return this.#paginate('/v5/execution/list', wireExecutionPageSchema, {
      category: query.category ?? DEFAULT_CATEGORY,
      symbol: query.symbol,
      orderId: query.orderId,
      orderLinkId: query.orderLinkId,
      startTime: query.startTime,
      endTime: query.endTime,
      execType: query.execType,
      limit: 100,
    });
  }

  /** Lists positions (GET /v5/position/list): one symbol, or every USDT-settled one. */
  async getPositions(symbol?: string, category: Category = DEFAULT_CATEGORY): Promise<WirePosition[]> {
    return this.#paginate('/v5/position/list', wirePositionPageSchema, {
      category,
      symbol,
      settleCoin: symbol === undefined ? DEFAULT_SETTLE_COIN : undefined,
      limit: 200,
    });
  }

  /** The unified account with the given coin (GET /v5/account/wallet-balance). */
  async getWalletBalance(coin = 'USDT'): Promise<WireWallet> {
    const { result } = await this.call({
      method: 'GET',
      path: '/v5/account/wallet-balance',
      params: { accountType: 'UNIFIED', coin },
      signed: true,
      write: false,
      result: wireWalletListSchema,
    });
    const account = result.list[0];
    if (account === undefined) throw new BadResponseError('/v5/account/wallet-balance', 'no account in list');
    return account;
  }

  /** Trading rules of one symbol or of every trading linear symbol (GET /v5/market/instruments-info). */
  async getInstruments(symbol?: string, category: Category = DEFAULT_CATEGORY): Promise<InstrumentSpec[]> {
    const list = await this.#paginate(
      '/v5/market/instruments-info',
      wireInstrumentPageSchema,
      { category, symbol, limit: 1000 },
      false,
    );
    return list.map(toInstrumentSpec);
  }

  /** An order-book snapshot (GET /v5/market/orderbook); limit 1..1000 for linear. */
  async getOrderbook(
    symbol: string,
    limit = 50,
    category: Category = DEFAULT_CATEGORY,
  ): Promise<OrderbookSnapshot> {
    const { result } = await this.call({
      method: 'GET',
      path: '/v5/market/orderbook',
      params: { category, symbol, limit },
      signed: false,
      write: false,
      result: wireOrderbookSchema,
    });
    return toOrderbook(result);
  }

  /** The server's time in milliseconds (GET /v5/market/time), from timeNano. */
  async getServerTime(): Promise<number> {
    const { result } = await this.call({
      method: 'GET',
      path: '/v5/market/time',
      signed: false,
      write: false,
      result: wireServerTimeSchema,
    });
    return Number(BigInt(result.timeNano) / 1_000_000n);
  }

  /**
   * Arms disconnect-cancel-all for derivatives (POST /v5/order/disconnected-cancel-all): the venue
   * cancels our orders when the private socket is gone this many seconds (3..300).
   */
  async setDisconnectCancelAll(timeWindowSeconds: number): Promise<void> {
    if (!Number.isInteger(timeWindowSeconds) || timeWindowSeconds < 3 || timeWindowSeconds > 300) {
      throw new InvariantError(`DCP time window must be an integer in 3..300 s, was ${timeWindowSeconds}`);
    }
    await this.call({
      method: 'POST',
      path: '/v5/order/disconnected-cancel-all',
      params: { product: 'DERIVATIVES', timeWindow: timeWindowSeconds },
      signed: true,
      // Setting the same window twice is harmless, so a lost answer may be retried.
      write: false,
      result: anyObjectSchema,
    });
  }

  async #ack(path: string, params: Readonly<Record<string, unknown>>): Promise<OrderAck> {
    const { result } = await this.call({
      method: 'POST',
      path,
      params,
      signed: true,
      write: true,
      result: wireOrderAckSchema,
    });
    return { orderId: result.orderId, orderLinkId: result.orderLinkId };
  }

  async #batch(
    path: string,
    items: readonly (
      BatchItem<CreateOrderRequest> | BatchItem<AmendOrderRequest> | BatchItem<CancelOrderRequest>
    )[],
    category: Category,
    onWrite: (() => void) | undefined,
  ): Promise<BatchItemResult[]> {
    if (items.length === 0) return [];
    if (items.length > MAX_BATCH) {
      throw new InvariantError(
        `${path}: a batch holds at most ${MAX_BATCH} orders, was given ${items.length}`,
      );
    }
    const { result, retExtInfo } = await this.call({
      method: 'POST',
      path,
      params: { category, request: items },
      signed: true,
      write: true,
      result: wireBatchResultSchema,
      ...(onWrite === undefined ? {} : { onWrite }),
    });
    const ids = items.map((i) => ({
      orderId: 'orderId' in i ? i.orderId : undefined,
      orderLinkId: i.orderLinkId,
    }));
    return mergeBatch(path, ids, result, retExtInfo, this.#rateLimitDefaultMs);
  }

  async #paginate<T>(
    path: string,
    schema: z.ZodType<Page<T>>,
    params: Readonly<Record<string, unknown>>,
    signed = true,
  ): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { result } = await this.call({
        method: 'GET',
        path,
        params: cursor === undefined ? params : { ...params, cursor },
        signed,
        write: false,
        result: schema,
      });
      out.push(...result.list);
      const next = result.nextPageCursor ?? '';
      if (next === '' || result.list.length === 0) return out;
      if (seen.has(next))
        throw new BadResponseError(path, `nextPageCursor ${JSON.stringify(next)} came back twice`);
      seen.add(next);
      cursor = next;
    }
    throw new BadResponseError(path, `still paginating after ${MAX_PAGES} pages`);
  }
}

/** Puts category first, as Bybit's examples do; the request's own keys follow in their order. */
function withCategory<T extends { readonly category?: Category }>(req: T): Readonly<Record<string, unknown>> {
  const { category, ...rest } = req;
  return { category: category ?? DEFAULT_CATEGORY, ...rest };
}

function requireRef(path: string, req: { readonly orderId?: string; readonly orderLinkId?: string }): void {
  if ((req.orderId ?? '') === '' && (req.orderLinkId ?? '') === '') {
    throw new InvariantError(`${path}: orderId or orderLinkId is required`);
  }
}

/** The domain spec of a linear instrument; minNotionalValue is "0" when the venue omits it. */
export function toInstrumentSpec(w: WireInstrument): InstrumentSpec {
  return {
    symbol: w.symbol,
    baseCoin: w.baseCoin,
    quoteCoin: w.quoteCoin,
    tickSize: w.priceFilter.tickSize,
    qtyStep: w.lotSizeFilter.qtyStep,
    minOrderQty: w.lotSizeFilter.minOrderQty,
    maxOrderQty: w.lotSizeFilter.maxOrderQty,
    minNotionalValue: w.lotSizeFilter.minNotionalValue ?? '0',
    minPrice: w.priceFilter.minPrice,
    maxPrice: w.priceFilter.maxPrice,
  };
}

function toOrderbook(w: WireOrderbook): OrderbookSnapshot {
  return { symbol: w.s, bids: w.b, asks: w.a, ts: w.ts, u: w.u, seq: w.seq };
}
