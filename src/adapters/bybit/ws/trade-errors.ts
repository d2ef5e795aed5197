/**
 * Trade-socket retCodes mapped to the typed errors of src/errors.ts, the same way the REST client
 * maps them (protocol doc §2.6, §7). Every trade-socket op writes orders, so a server-side failure
 * (10000, 10016, 10019) leaves the outcome unknown: UnreachableError with sent=true, to reconcile.
 */
import {
  AuthError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  OrderNotFoundError,
  RateLimitedError,
  TimestampError,
  UnreachableError,
  type BotError,
} from '../../../errors.js';
import type { WireTradeResponse } from '../wire/trade.js';

/** Wait used when a rate-limit answer carries no reset timestamp (Bybit omits it on global limits). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

/** The typed error for a non-zero retCode. */
export function retCodeError(retCode: number, retMsg: string, op: string, retryAfterMs: number): BotError {
  switch (retCode) {
    case 10006: // too many visits (UID limit)
    case 10403: // IP limit on the trade socket
    case 10429: // system frequency protection
    case 20003: // too frequent in this session
      return new RateLimitedError(retryAfterMs, op);
    case 10002:
      return new TimestampError(retMsg, op);
    case 10003:
    case 10004:
    case 10005:
    case 10007:
      return new AuthError(retCode, retMsg, op);
    case 110001:
    case 110008:
    case 170213:
      return new OrderNotFoundError(retCode, retMsg, op);
    case 10000:
    case 10016:
    case 10019:
      return new UnreachableError(op, true, { cause: new ExchangeUnavailableError(200, retCode, op) });
    default:
      return new ExchangeRejectedError(retCode, retMsg, op);
  }
}

/** The typed error of a trade response, or undefined when retCode is 0. */
export function tradeResponseError(response: WireTradeResponse, now: number): BotError | undefined {
  if (response.retCode === 0) return undefined;
  return retCodeError(response.retCode, response.retMsg, response.op, retryAfter(response, now));
}

function retryAfter(response: WireTradeResponse, now: number): number {
  const reset = Number(response.header?.['X-Bapi-Limit-Reset-Timestamp']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - now) : DEFAULT_RETRY_AFTER_MS;
}

/** The outcome of one item of a batch op, index-aligned with the request. */
export type BatchItemResult =
  | { readonly ok: true; readonly orderId: string; readonly orderLinkId: string }
  | {
      readonly ok: false;
      readonly orderLinkId: string;
      readonly code: number;
      readonly msg: string;
      readonly error: BotError;
    };

/**
 * Pairs `data.list[i]` with `retExtInfo.list[i]`. A batch answered with retCode 0 can still refuse
 * some items; an item with no status entry counts as accepted only if it got an orderId.
 */
export function batchResults(response: WireTradeResponse, now: number): BatchItemResult[] {
  const items = response.data?.list ?? [];
  const statuses = response.retExtInfo?.list ?? [];
  const after = retryAfter(response, now);
  return items.map((item, i): BatchItemResult => {
    const status = statuses[i];
    const code = status?.code ?? (item.orderId === '' ? -1 : 0);
    if (code === 0) return { ok: true, orderId: item.orderId, orderLinkId: item.orderLinkId };
    const msg = status?.msg ?? 'no status for this item';
    return {
      ok: false,
      orderLinkId: item.orderLinkId,
      code,
      msg,
      error: retCodeError(code, msg, response.op, after),
    };
  });
}
