/**
 * Validation of order parameters, shared by REST and the WS trade socket: raw JSON values in,
 * a typed request (prices and sizes in instrument units) or a Bybit-style refusal out. Clients
 * differ in how they type values (pybit casts qty and price to strings, positionIdx to an int;
 * others send numbers), so numbers and numeric strings are both accepted where Bybit accepts them.
 */
import { parsePrice, parseQty } from '../../domain/instrument.js';
import type { Exchange, SymbolState } from '../engine/exchange.js';
import type { AmendRequest, CreateRequest, OrderRef } from '../engine/requests.js';
import { SimReject, type OrderType, type Side, type TimeInForce } from '../engine/types.js';

export type Params = Readonly<Record<string, unknown>>;

const LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
const SIDES: readonly string[] = ['Buy', 'Sell'];
const TYPES: readonly string[] = ['Limit', 'Market'];
const TIFS: readonly string[] = ['GTC', 'IOC', 'FOK', 'PostOnly'];

const paramError = (what: string): SimReject => new SimReject(10001, `params error: ${what}`);

/** A parameter as a string: strings as they are, finite numbers printed; undefined when absent or empty. */
export function str(p: Params, name: string): string | undefined {
  const v = p[name];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function bool(p: Params, name: string): boolean | SimReject {
  const v = p[name];
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return paramError(`${name} must be true or false`);
}

/** Checks `category` (linear only) and `symbol` (one the simulator trades). */
export function symbolOf(ex: Exchange, p: Params): SymbolState | SimReject {
  const category = str(p, 'category');
  if (category === undefined) return paramError('category is required');
  if (category !== 'linear') return paramError(`category ${category} is not supported, only linear`);
  const symbol = str(p, 'symbol');
  if (symbol === undefined) return paramError('symbol is required');
  const s = ex.symbol(symbol);
  return s ?? paramError(`symbol invalid: ${symbol}`);
}

function qtyOf(s: SymbolState, raw: string | undefined): number | SimReject {
  if (raw === undefined) return paramError('qty is required');
  const q = parseQty(s.inst, raw);
  if (!(q > 0)) return paramError(`qty invalid: ${raw}`);
  if (q % s.inst.lotUnits !== 0) return paramError(`qty must be a multiple of ${s.inst.qtyStep}`);
  if (q < s.inst.minQtyUnits)
    return new SimReject(10001, 'The number of contracts exceeds minimum limit allowed');
  if (q > s.inst.maxQtyUnits)
    return new SimReject(10001, 'The number of contracts exceeds maximum limit allowed');
  return q;
}

function priceOf(s: SymbolState, raw: string): number | SimReject {
  const price = parsePrice(s.inst, raw);
  if (!(price > 0)) return paramError(`price invalid: ${raw}`);
  if (price % s.inst.tickUnits !== 0) return paramError(`price must be a multiple of ${s.inst.tickSize}`);
  const min = parsePrice(s.inst, s.inst.minPrice);
  const max = parsePrice(s.inst, s.inst.maxPrice);
  if (price < min || price > max) return new SimReject(110003, 'Order price is out of permissible range');
  return price;
}

function linkIdOf(p: Params): string | SimReject {
  const v = p.orderLinkId;
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string' || !LINK_ID.test(v))
    return paramError('orderLinkId must be 1 to 36 characters of A-Z a-z 0-9 _ -');
  return v;
}

function positionIdxOk(p: Params): SimReject | undefined {
  const v = p.positionIdx;
  if (v === undefined || v === null || v === 0 || v === '0') return undefined;
  return new SimReject(10001, 'position idx not match position mode');
}

/** Validates /v5/order/create parameters. */
export function parseCreate(ex: Exchange, p: Params): CreateRequest | SimReject {
  const s = symbolOf(ex, p);
  if (s instanceof SimReject) return s;
  const side = str(p, 'side');
  if (side === undefined || !SIDES.includes(side)) return paramError(`side invalid: ${side ?? '(missing)'}`);
  const orderType = str(p, 'orderType');
  if (orderType === undefined || !TYPES.includes(orderType))
    return paramError(`orderType invalid: ${orderType ?? '(missing)'}`);
  const qty = qtyOf(s, str(p, 'qty'));
  if (qty instanceof SimReject) return qty;
  const tif = str(p, 'timeInForce') ?? 'GTC';
  if (!TIFS.includes(tif)) return paramError(`timeInForce invalid: ${tif}`);
  const idx = positionIdxOk(p);
  if (idx !== undefined) return idx;
  for (const k of ['triggerPrice', 'takeProfit', 'stopLoss'])
    if (str(p, k) !== undefined && str(p, k) !== '0')
      return paramError(`${k} is not supported by the simulator (conditional and TP/SL orders)`);
  const orderLinkId = linkIdOf(p);
  if (orderLinkId instanceof SimReject) return orderLinkId;
  const reduceOnly = bool(p, 'reduceOnly');
  if (reduceOnly instanceof SimReject) return reduceOnly;
  const closeOnTrigger = bool(p, 'closeOnTrigger');
  if (closeOnTrigger instanceof SimReject) return closeOnTrigger;
  let price: number | undefined;
  if (orderType === 'Limit') {
    const raw = str(p, 'price');
    if (raw === undefined) return paramError('price is required for a Limit order');
    const pr = priceOf(s, raw);
    if (pr instanceof SimReject) return pr;
    price = pr;
  }
  const notionalPrice = price ?? s.mark;
  const value = notionalPrice * qty * s.factor;
  if (!Number.isSafeInteger(value)) return paramError('order value too large');
  if (!reduceOnly && value < s.inst.minNotional * 1e8)
    return new SimReject(110094, `Order does not meet minimum order value ${s.inst.minNotionalValue}USDT`);
  return {
    symbol: s.inst.symbol,
    side: side as Side,
    orderType: orderType as OrderType,
    qty,
    price,
    timeInForce: tif as TimeInForce,
    orderLinkId,
    reduceOnly,
    closeOnTrigger,
  };
}

/** Validates the order reference of amend and cancel. */
export function parseRef(ex: Exchange, p: Params): OrderRef | SimReject {
  const s = symbolOf(ex, p);
  if (s instanceof SimReject) return s;
  const orderId = str(p, 'orderId');
  const orderLinkId = str(p, 'orderLinkId');
  if (orderId === undefined && orderLinkId === undefined)
    return paramError('OrderId or orderLinkId is required');
  return { symbol: s.inst.symbol, orderId, orderLinkId };
}

/** Validates /v5/order/amend parameters. */
export function parseAmend(ex: Exchange, p: Params): AmendRequest | SimReject {
  const ref = parseRef(ex, p);
  if (ref instanceof SimReject) return ref;
  const s = ex.symbol(ref.symbol)!;
  for (const k of ['triggerPrice', 'takeProfit', 'stopLoss'])
    if (str(p, k) !== undefined) return paramError(`${k} is not supported by the simulator`);
  const rawQty = str(p, 'qty');
  const qty = rawQty === undefined ? undefined : qtyOf(s, rawQty);
  if (qty instanceof SimReject) return qty;
  const rawPrice = str(p, 'price');
  const price = rawPrice === undefined ? undefined : priceOf(s, rawPrice);
  if (price instanceof SimReject) return price;
  return { ...ref, qty, price };
}
