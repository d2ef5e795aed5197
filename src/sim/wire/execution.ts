/** The v5 execution object: REST /v5/execution/list (§3.8) and the WS `execution` topic (§6.3). */
import { formatPrice, formatQty, type Instrument } from '../../domain/instrument.js';
import { formatFloat, formatMoney } from '../engine/money.js';
import type { SimExecution } from '../engine/types.js';

type WireExecution = Record<string, string | number | boolean>;

function common(e: SimExecution, inst: Instrument): WireExecution {
  return {
    symbol: e.symbol,
    closedSize: formatQty(inst, e.closedSize),
    execFee: formatMoney(e.fee),
    execId: e.execId,
    execPrice: formatPrice(inst, e.price),
    execQty: formatQty(inst, e.qty),
    execType: 'Trade',
    execValue: formatMoney(e.value),
    feeRate: formatFloat(e.feeRate, 8),
    tradeIv: '',
    markIv: '',
    blockTradeId: '',
    markPrice: formatPrice(inst, e.markPrice),
    indexPrice: '',
    underlyingPrice: '',
    leavesQty: formatQty(inst, e.leavesQty),
    orderId: e.orderId,
    orderLinkId: e.orderLinkId,
    orderPrice: formatPrice(inst, e.orderPrice),
    orderQty: formatQty(inst, e.orderQty),
    orderType: e.orderType,
    stopOrderType: 'UNKNOWN',
    side: e.side,
    execTime: String(e.time),
    isLeverage: '0',
    isMaker: e.isMaker,
    seq: e.seq,
    marketUnit: '',
    execPnl: formatMoney(e.pnl),
    createType: 'CreateByUser',
  };
}

/** The WS `execution` topic item (§12.5 key order). */
export const wsExecution = (e: SimExecution, inst: Instrument): WireExecution => ({
  category: 'linear',
  ...common(e, inst),
  feeCurrency: 'USDT',
  extraFees: '',
});

/** The REST execution list item. */
export const restExecution = (e: SimExecution, inst: Instrument): WireExecution => ({
  ...common(e, inst),
  feeCurrency: 'USDT',
  execFeeV2: '',
  extraFees: '',
});
