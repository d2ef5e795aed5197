/** Position (REST §3.9, WS §6.5) and wallet (§3.10) objects of a one-way USDT linear account. */
import { formatPrice, formatQty } from '../../domain/instrument.js';
import type { Account } from '../engine/accounts.js';
import type { Exchange } from '../engine/exchange.js';
import { LEVERAGE, maintenanceOf, MAINTENANCE_RATE } from '../engine/margin.js';
import type { SymbolState } from '../engine/symbol-state.js';
import { formatMoney } from '../engine/money.js';
import { unrealised } from '../engine/position-math.js';
import { avgPrice } from './order.js';

type Wire = Record<string, string | number | boolean>;

function positionCore(account: Account, s: SymbolState, now: number) {
  const p = account.positions.get(s.inst.symbol) ?? {
    symbol: s.inst.symbol,
    size: 0,
    cost: 0,
    cumRealised: 0,
    createdTime: now,
    updatedTime: now,
    seq: -1,
  };
  const abs = Math.abs(p.size);
  const value = abs * s.mark * s.factor;
  const entry = avgPrice(s.inst, s.factor, p.cost, abs) ?? '0';
  return {
    p,
    side: p.size > 0 ? 'Buy' : p.size < 0 ? 'Sell' : '',
    size: formatQty(s.inst, abs),
    entry,
    positionValue: formatMoney(p.cost),
    markPrice: formatPrice(s.inst, s.mark),
    im: formatMoney(Math.round(value / LEVERAGE)),
    mm: formatMoney(Math.round(value * MAINTENANCE_RATE)),
    upl: formatMoney(unrealised(p, s.mark, s.factor)),
    cum: formatMoney(p.cumRealised),
  };
}

/** The REST /v5/position/list item. */
export function restPosition(account: Account, s: SymbolState, now: number): Wire {
  const c = positionCore(account, s, now);
  return {
    positionIdx: 0,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: s.inst.symbol,
    side: c.side,
    size: c.size,
    avgPrice: c.entry,
    positionValue: c.positionValue,
    tradeMode: 0,
    autoAddMargin: 0,
    positionStatus: 'Normal',
    leverage: String(LEVERAGE),
    markPrice: c.markPrice,
    liqPrice: '',
    bustPrice: '',
    positionIM: c.im,
    positionIMByMp: c.im,
    positionMM: c.mm,
    positionMMByMp: c.mm,
    positionBalance: c.im,
    takeProfit: '',
    stopLoss: '',
    trailingStop: '0',
    sessionAvgPrice: '',
    delta: '',
    gamma: '',
    vega: '',
    theta: '',
    unrealisedPnl: c.upl,
    curRealisedPnl: c.cum,
    cumRealisedPnl: c.cum,
    adlRankIndicator: c.p.size === 0 ? 0 : 2,
    createdTime: String(c.p.createdTime),
    updatedTime: String(c.p.updatedTime),
    seq: c.p.seq,
    isReduceOnly: false,
    mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '',
    breakEvenPrice: c.entry,
    tpslMode: 'Full',
  };
}

/** The WS `position` topic item (§12.5 key order). */
export function wsPosition(account: Account, s: SymbolState, now: number): Wire {
  const c = positionCore(account, s, now);
  return {
    positionIdx: 0,
    tradeMode: 0,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: s.inst.symbol,
    side: c.side,
    size: c.size,
    entryPrice: c.entry,
    sessionAvgPrice: '',
    leverage: String(LEVERAGE),
    positionValue: c.positionValue,
    positionBalance: '0',
    markPrice: c.markPrice,
    positionIM: c.im,
    positionMM: c.mm,
    takeProfit: '0',
    stopLoss: '0',
    trailingStop: '0',
    unrealisedPnl: c.upl,
    cumRealisedPnl: c.cum,
    curRealisedPnl: c.cum,
    createdTime: String(c.p.createdTime),
    updatedTime: String(c.p.updatedTime),
    tpslMode: 'Full',
    liqPrice: '',
    bustPrice: '',
    category: 'linear',
    positionStatus: 'Normal',
    adlRankIndicator: c.p.size === 0 ? 0 : 2,
    autoAddMargin: 0,
    leverageSysUpdatedTime: '',
    mmrSysUpdatedTime: '',
    seq: c.p.seq,
    isReduceOnly: false,
  };
}

/** The UNIFIED account object with its USDT coin (REST wallet-balance list item and WS `wallet` item). */
export function walletAccount(ex: Exchange, account: Account): Record<string, unknown> {
  const upl = ex.unrealised(account);
  const posIM = ex.positionIM(account);
  const orderIM = ex.orderIM(account);
  const mm = maintenanceOf(account, ex.symbols);
  let cum = 0;
  for (const p of account.positions.values()) cum += p.cumRealised;
  const equity = account.wallet + upl;
  const available = equity - posIM - orderIM;
  const rate = (x: number): string => (equity > 0 ? (x / equity).toFixed(4) : '0');
  return {
    accountIMRate: rate(posIM + orderIM),
    accountMMRate: rate(mm),
    totalEquity: formatMoney(equity),
    totalWalletBalance: formatMoney(account.wallet),
    totalMarginBalance: formatMoney(equity),
    totalAvailableBalance: formatMoney(Math.max(0, available)),
    totalPerpUPL: formatMoney(upl),
    totalInitialMargin: formatMoney(posIM + orderIM),
    totalMaintenanceMargin: formatMoney(mm),
    accountIMRateByMp: rate(posIM + orderIM),
    accountMMRateByMp: rate(mm),
    totalInitialMarginByMp: formatMoney(posIM + orderIM),
    totalMaintenanceMarginByMp: formatMoney(mm),
    coin: [
      {
        coin: 'USDT',
        equity: formatMoney(equity),
        usdValue: formatMoney(equity),
        walletBalance: formatMoney(account.wallet),
        free: '',
        locked: '0',
        spotHedgingQty: '0',
        borrowAmount: '0',
        availableToWithdraw: '',
        availableToBorrow: '',
        accruedInterest: '0',
        totalOrderIM: formatMoney(orderIM),
        totalPositionIM: formatMoney(posIM),
        totalPositionMM: formatMoney(mm),
        unrealisedPnl: formatMoney(upl),
        cumRealisedPnl: formatMoney(cum),
        bonus: '0',
        marginCollateral: true,
        collateralSwitch: true,
        spotBorrow: '0',
      },
    ],
    accountLTV: '0',
    accountType: 'UNIFIED',
  };
}
