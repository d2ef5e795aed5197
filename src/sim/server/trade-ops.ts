/**
 * Order entry as both transports see it: REST POST /v5/order/* and the WS trade socket's
 * order.* ops run the same code, spend the same per-account budgets and give the same answers
 * (docs/bybit-v5-protocol.md §3.1–3.5, §7). Each call returns the v5 envelope parts plus the
 * rate-limit status the transport turns into headers.
 */
import type { Account } from '../engine/accounts.js';
import type { Exchange } from '../engine/exchange.js';
import { SimReject } from '../engine/types.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import { parseAmend, parseCreate, parseRef, str, symbolOf, type Params } from './order-params.js';
import type { LimitStatus, RateLimiter } from './rate-limit.js';

/** Orders per batch request on linear (§3.5). */
export const MAX_BATCH = 20;

export interface OpOutcome {
  readonly retCode: number;
  readonly retMsg: string;
  readonly result: object;
  readonly retExtInfo: object;
  readonly limit: LimitStatus;
}

const TOO_MANY = 'Too many visits';

function fail(r: SimReject, limit: LimitStatus): OpOutcome {
  return { retCode: r.retCode, retMsg: r.retMsg, result: {}, retExtInfo: {}, limit };
}

function ok(result: object, limit: LimitStatus, retExtInfo: object = {}): OpOutcome {
  return { retCode: 0, retMsg: 'OK', result, retExtInfo, limit };
}

type BatchKind = 'create' | 'amend' | 'cancel';

export class TradeOps {
  readonly #ex: Exchange;
  readonly #faults: FaultInjector;
  readonly #limiter: RateLimiter;
  readonly #perS: number;

  constructor(ex: Exchange, faults: FaultInjector, limiter: RateLimiter, limitPerS: number) {
    this.#ex = ex;
    this.#faults = faults;
    this.#limiter = limiter;
    this.#perS = limitPerS;
  }

  /** The per-second limit of an endpoint group ('order/create', 'order/realtime', ...). */
  limitOf(group: string): number {
    return group.startsWith('order/') && group !== 'order/realtime' && group !== 'order/history'
      ? this.#perS
      : this.#perS * 5;
  }

  /** Spends one unit of a group's budget. */
  spend(account: Account, group: string, units = 1): LimitStatus {
    return this.#limiter.take(account.index, group, this.limitOf(group), units);
  }

  /** The status of a group's budget without spending. */
  peek(account: Account, group: string): LimitStatus {
    return this.#limiter.peek(account.index, group, this.limitOf(group));
  }

  #single(account: Account, group: string, run: () => OpOutcome['result'] | SimReject): OpOutcome {
    const limit = this.spend(account, group);
    if (limit.granted === 0) return fail(new SimReject(10006, TOO_MANY), limit);
    const r = run();
    return r instanceof SimReject ? fail(r, limit) : ok(r, limit);
  }

  #create(account: Account, p: Params): { orderId: string; orderLinkId: string } | SimReject {
    const req = parseCreate(this.#ex, p);
    if (req instanceof SimReject) return req;
    const injected = this.#faults.takeOrderReject();
    if (injected !== undefined) return injected;
    return this.#ex.create(account, req);
  }

  #amend(account: Account, p: Params): { orderId: string; orderLinkId: string } | SimReject {
    const req = parseAmend(this.#ex, p);
    return req instanceof SimReject ? req : this.#ex.amend(account, req);
  }

  #cancel(account: Account, p: Params): { orderId: string; orderLinkId: string } | SimReject {
    const ref = parseRef(this.#ex, p);
    return ref instanceof SimReject ? ref : this.#ex.cancel(account, ref);
  }

  create(account: Account, p: Params): OpOutcome {
    return this.#single(account, 'order/create', () => this.#create(account, p));
  }

  amend(account: Account, p: Params): OpOutcome {
    return this.#single(account, 'order/amend', () => this.#amend(account, p));
  }

  cancel(account: Account, p: Params): OpOutcome {
    return this.#single(account, 'order/cancel', () => this.#cancel(account, p));
  }

  /** POST /v5/order/cancel-all: by symbol, else baseCoin, else settleCoin (§3.4). */
  cancelAll(account: Account, p: Params): OpOutcome {
    return this.#single(account, 'order/cancel-all', () => {
      const category = str(p, 'category');
      if (category !== 'linear')
        return new SimReject(
          10001,
          `params error: category ${category ?? '(missing)'} is not supported, only linear`,
        );
      const symbol = str(p, 'symbol');
      const baseCoin = str(p, 'baseCoin');
      const settleCoin = str(p, 'settleCoin');
      let list;
      if (symbol !== undefined) {
        const s = symbolOf(this.#ex, p);
        if (s instanceof SimReject) return s;
        list = this.#ex.cancelAll(account, symbol);
      } else if (baseCoin !== undefined) {
        list = [...this.#ex.symbols.values()]
          .filter((s) => s.inst.baseCoin === baseCoin)
          .flatMap((s) => this.#ex.cancelAll(account, s.inst.symbol));
      } else if (settleCoin !== undefined) {
        list = settleCoin === 'USDT' ? this.#ex.cancelAll(account, undefined) : [];
      } else return new SimReject(10001, 'params error: symbol, baseCoin or settleCoin is required');
      return { list, success: '1' };
    });
  }

  /** The three batch endpoints: index-aligned result.list and retExtInfo.list, partial failures keep retCode 0. */
  batch(kind: BatchKind, account: Account, body: Params): OpOutcome {
    const group = `order/${kind}-batch`;
    const category = str(body, 'category');
    const request = body.request;
    if (category !== 'linear') {
      const limit = this.peek(account, group);
      return fail(
        new SimReject(
          10001,
          `params error: category ${category ?? '(missing)'} is not supported, only linear`,
        ),
        limit,
      );
    }
    if (!Array.isArray(request) || request.length === 0)
      return fail(
        new SimReject(10001, 'params error: request must be a non-empty list'),
        this.peek(account, group),
      );
    if (request.length > MAX_BATCH)
      return fail(
        new SimReject(10001, `params error: at most ${MAX_BATCH} orders per batch`),
        this.peek(account, group),
      );
    const limit = this.spend(account, group, request.length);
    if (limit.granted === 0) return fail(new SimReject(10006, TOO_MANY), limit);
    const list: object[] = [];
    const ext: { code: number; msg: string }[] = [];
    request.forEach((raw: unknown, i) => {
      const item: Params =
        typeof raw === 'object' && raw !== null && !Array.isArray(raw)
          ? { ...(raw as Record<string, unknown>), category }
          : { category };
      const symbol = str(item, 'symbol') ?? '';
      const linkId = str(item, 'orderLinkId') ?? '';
      let r: { orderId: string; orderLinkId: string } | SimReject;
      if (i >= limit.granted) r = new SimReject(10006, TOO_MANY);
      else if (kind === 'create') r = this.#create(account, item);
      else if (kind === 'amend') r = this.#amend(account, item);
      else r = this.#cancel(account, item);
      const base = { category, symbol };
      if (r instanceof SimReject) {
        list.push(
          kind === 'create'
            ? { ...base, orderId: '', orderLinkId: linkId, createAt: '' }
            : { ...base, orderId: '', orderLinkId: linkId },
        );
        ext.push({ code: r.retCode, msg: r.retMsg });
      } else {
        list.push(
          kind === 'create' ? { ...base, ...r, createAt: String(this.#ex.clock.now()) } : { ...base, ...r },
        );
        ext.push({ code: 0, msg: 'OK' });
      }
    });
    return ok({ list }, limit, { list: ext });
  }

  /** POST /v5/order/disconnected-cancel-all: sets the DCP window (3..300 s). */
  dcp(account: Account, p: Params): OpOutcome {
    return this.#single(account, 'order/disconnected-cancel-all', () => {
      const product = str(p, 'product') ?? 'OPTIONS';
      if (!['DERIVATIVES', 'OPTIONS', 'SPOT'].includes(product))
        return new SimReject(10001, `params error: product invalid: ${product}`);
      const raw = p.timeWindow;
      const tw = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
      if (!Number.isInteger(tw) || tw < 3 || tw > 300)
        return new SimReject(10001, 'params error: timeWindow must be an integer from 3 to 300');
      if (product === 'DERIVATIVES') account.dcpWindowS = tw;
      return {};
    });
  }
}
