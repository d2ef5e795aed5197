/**
 * What the bot knows about itself, in one plain object: machine states, the book top, our quotes
 * and orders, inventory, PnL and reconnects. The status line, /status and the tests read this.
 */
import { formatPrice, formatQty } from '../domain/instrument.js';
import type { Runtime } from './runtime.js';

export interface SymbolStatus {
  readonly symbol: string;
  readonly quoter: string;
  readonly book: string;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly orders: {
    readonly side: string;
    readonly price: string;
    readonly qty: string;
    readonly state: string;
  }[];
  readonly position: number;
  readonly realisedPnl: number;
  readonly unrealisedPnl: number;
  readonly fees: number;
  readonly fills: number;
}

export interface BotStatus {
  readonly feeds: Record<string, string>;
  readonly risk: string;
  readonly riskReasons: readonly string[];
  readonly symbols: SymbolStatus[];
  readonly pnl: number;
}

export function botStatus(rt: Runtime): BotStatus {
  const feeds: Record<string, string> = {
    public: rt.feedState('public'),
    private: rt.feedState('private'),
  };
  if (rt.d.config.exchange.order_entry === 'ws') feeds['trade'] = rt.feedState('trade');
  const symbols: SymbolStatus[] = [];
  let pnl = 0;
  if (rt.isStarted) {
    const { market, orders, portfolio, quoting, instruments } = rt.started;
    for (const symbol of rt.d.config.symbols) {
      const inst = instruments.get(symbol)!;
      const top = market.marketInput(symbol);
      const snap = portfolio.snapshot(symbol);
      if (snap !== undefined && Number.isFinite(snap.equity)) pnl += snap.equity;
      symbols.push({
        symbol,
        quoter: quoting.state(symbol),
        book: market.bookState(symbol),
        bestBid: top === undefined ? null : formatPrice(inst, top.bestBid),
        bestAsk: top === undefined ? null : formatPrice(inst, top.bestAsk),
        orders: orders.orders(symbol).map((o) => ({
          side: o.side,
          price: formatPrice(inst, o.price),
          qty: formatQty(inst, o.qty),
          state: o.state,
        })),
        position: snap?.positionBase ?? 0,
        realisedPnl: snap?.realisedPnl ?? 0,
        unrealisedPnl: snap?.unrealisedPnl ?? 0,
        fees: snap?.fees ?? 0,
        fills: snap?.fillsApplied ?? 0,
      });
    }
  }
  return { feeds, risk: rt.riskState, riskReasons: rt.lastVerdict?.reasons ?? [], symbols, pnl };
}

/** The status as one terminal line. */
export function statusText(s: BotStatus): string {
  const parts = s.symbols.map((x) => {
    const book = x.bestBid === null ? x.book : `${x.bestBid}/${x.bestAsk}`;
    return `${x.symbol} ${x.quoter} book ${book} orders ${x.orders.length} pos ${x.position} fills ${x.fills}`;
  });
  const feeds = Object.entries(s.feeds)
    .map(([k, v]) => `${k}:${v.split('.').pop() ?? v}`)
    .join(' ');
  const sign = s.pnl >= 0 ? '+' : '';
  return `${parts.join(' | ')} | pnl ${sign}${s.pnl.toFixed(2)} | risk ${s.risk} | ${feeds}`;
}
