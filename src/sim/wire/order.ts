/**
 * The v5 order object (docs/bybit-v5-protocol.md §3.15): the REST variant for /v5/order/realtime and
 * /v5/order/history, the WS variant for the `order` topic (adds `category`, `closedPnl`,
 * `feeCurrency`; `avgPrice` is "" instead of "0" before a fill).
 */
import { formatPrice, formatQty, type Instrument } from '../../domain/instrument.js';
import { pow10 } from '../../domain/decimal.js';
import { formatFloat, formatMoney } from '../engine/money.js';
import type { SimOrder } from '../engine/types.js';

/** The average fill price, or undefined before the first fill. */
export function avgPrice(
  inst: Instrument,
  factor: number,
  cumValue: number,
  cumQty: number,
): string | undefined {
  if (cumQty === 0) return undefined;
  const units = cumValue / (cumQty * factor);
  if (Number.isInteger(units)) return formatPrice(inst, units);
  return formatFloat(units / pow10(inst.priceDecimals), inst.priceDecimals + 6);
}

export type WireOrder = Record<string, string | number | boolean>;

/** The REST order object. */
export function restOrder(o: SimOrder, inst: Instrument, factor: number): WireOrder {
  return {
    orderId: o.orderId,
    orderLinkId: o.orderLinkId,
    blockTradeId: '',
    symbol: o.symbol,
    price: formatPrice(inst, o.price),
    qty: formatQty(inst, o.qty),
    side: o.side,
    isLeverage: '',
    positionIdx: 0,
    orderStatus: o.status,
    createType: 'CreateByUser',
    cancelType: o.cancelType,
    rejectReason: o.rejectReason,
    avgPrice: avgPrice(inst, factor, o.cumExecValue, o.cumExecQty) ?? '0',
    leavesQty: formatQty(inst, o.leaves),
    leavesValue: formatMoney(o.price * o.leaves * factor),
    cumExecQty: formatQty(inst, o.cumExecQty),
    cumExecValue: formatMoney(o.cumExecValue),
    cumExecFee: formatMoney(o.cumExecFee),
    timeInForce: o.timeInForce,
    orderType: o.orderType,
    stopOrderType: '',
    orderIv: '',
    marketUnit: '',
    triggerPrice: '',
    takeProfit: '',
    stopLoss: '',
    tpslMode: '',
    ocoTriggerBy: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: 0,
    triggerBy: '',
    lastPriceOnCreated: formatPrice(inst, o.lastPriceOnCreated),
    basePrice: '',
    reduceOnly: o.reduceOnly,
    closeOnTrigger: o.closeOnTrigger,
    placeType: '',
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    createdTime: String(o.createdTime),
    updatedTime: String(o.updatedTime),
  };
}

/** The WS `order` topic object, key order as captured from Bybit (§12.5). */
export function wsOrder(o: SimOrder, inst: Instrument, factor: number): WireOrder {
  return {
    category: 'linear',
    symbol: o.symbol,
    orderId: o.orderId,
    orderLinkId: o.orderLinkId,
    blockTradeId: '',
    side: o.side,
    positionIdx: 0,
    orderStatus: o.status,
    cancelType: o.cancelType,
    rejectReason: o.rejectReason,
    timeInForce: o.timeInForce,
    isLeverage: '',
    price: formatPrice(inst, o.price),
    qty: formatQty(inst, o.qty),
    avgPrice: avgPrice(inst, factor, o.cumExecValue, o.cumExecQty) ?? '',
    leavesQty: formatQty(inst, o.leaves),
    leavesValue: formatMoney(o.price * o.leaves * factor),
    cumExecQty: formatQty(inst, o.cumExecQty),
    cumExecValue: formatMoney(o.cumExecValue),
    cumExecFee: formatMoney(o.cumExecFee),
    orderType: o.orderType,
    stopOrderType: '',
    orderIv: '',
    triggerPrice: '',
    takeProfit: '',
    stopLoss: '',
    triggerBy: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: 0,
    placeType: '',
    lastPriceOnCreated: formatPrice(inst, o.lastPriceOnCreated),
    closeOnTrigger: o.closeOnTrigger,
    reduceOnly: o.reduceOnly,
    smpGroup: 0,
    smpType: 'None',
    smpOrderId: '',
    slLimitPrice: '0',
    tpLimitPrice: '0',
    tpslMode: 'UNKNOWN',
    createType: 'CreateByUser',
    marketUnit: '',
    createdTime: String(o.createdTime),
    updatedTime: String(o.updatedTime),
    feeCurrency: '',
    closedPnl: formatMoney(o.closedPnl),
  };
}
