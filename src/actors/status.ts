/**
 * What the bot knows about itself, in one plain object: machine states, the book with our orders,
 * inventory, PnL and the reconnect history. The status line, /status, the status page and the
 * tests read this. It is built on demand (once per page interval at most), never on the hot path.
 */
import { formatPrice, formatQty, type Instrument } from '../domain/instrument.js';
import type { StateChange, StateHistory } from '../adapters/web/state-history.js';
import type { Runtime } from './runtime.js';

/** One of our orders as the page shows it. */
export interface OrderStatus {
  readonly orderLinkId: string;
  readonly side: string;
  readonly price: string;
  readonly qty: string;
  readonly filled: string;
  readonly state: string;
}

/** One book level, formatted. */
export interface LevelStatus {
  readonly price: string;
  readonly size: string;
}

export interface SymbolStatus {
  readonly symbol: string;
  readonly quoter: string;
  readonly book: string;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly orders: readonly OrderStatus[];
  /** Signed position in base units. */
  readonly position: number;
  readonly realisedPnl: number;
  readonly unrealisedPnl: number;
  readonly fees: number;
  readonly fills: number;
  /** The best levels of each side, best first (empty while the book is not valid). */
  readonly bids: readonly LevelStatus[];
  readonly asks: readonly LevelStatus[];
  readonly mid: string | null;
  /** Venue spread in bps (null without a book). */
  readonly spreadBps: number | null;
  /** Milliseconds since the last book update (null before the first). */
  readonly bookAgeMs: number | null;
  /** EWMA volatility in bps (null before enough data). */
  readonly volBps: number | null;
  readonly inventory: {
    readonly positionBase: number;
    /** Absolute notional at the mark, in quote currency. */
    readonly notional: number;
    /** Position as a share of risk.max_position_base, signed. */
    readonly ratio: number;
    readonly avgEntry: number | null;
    readonly mark: number | null;
  };
  readonly pnl: {
    readonly equity: number;
    readonly daily: number;
    readonly drawdown: number;
  };
}

/** A machine and its current state. */
export interface MachineStatus {
  /** root, feed.public, risk, quoter.BTCUSDT, book.BTCUSDT... */
  readonly name: string;
  readonly state: string;
  /** When it entered this state (ms since the epoch), where known. */
  readonly since: number | null;
}

/** Per feed: its state and how often it went down. */
export interface FeedStatus {
  readonly state: string;
  /**
   * Times the socket went down after it had been live, since start: a close, a failed heartbeat...
   * (A stall of the data on a socket that stays up is not a drop.)
   */
  readonly drops: number;
  /** Reconnection attempts since start (entries into backoff). */
  readonly reconnectAttempts: number;
  readonly gaveUp: boolean;
}

export interface BotStatus {
  readonly feeds: Record<string, string>;
  readonly risk: string;
  readonly riskReasons: readonly string[];
  readonly symbols: readonly SymbolStatus[];
  /** Total PnL over all symbols: realised + unrealised − fees. */
  readonly pnl: number;
  /** When this status was built (the bot's clock). */
  readonly at: number;
  readonly mode: string;
  readonly prefix: string;
  readonly machines: readonly MachineStatus[];
  readonly totals: {
    readonly realisedPnl: number;
    readonly unrealisedPnl: number;
    readonly fees: number;
    readonly dailyPnl: number;
    readonly drawdown: number;
    readonly consecutiveLosses: number;
  };
  /** Our orders not yet final, by state, all symbols. */
  readonly orderCounts: Readonly<Record<string, number>>;
  readonly reconnects: {
    readonly feeds: Readonly<Record<string, FeedStatus>>;
    /** Feed state changes, oldest first (bounded). */
    readonly history: readonly StateChange[];
  };
}

/** What the web endpoint adds to a status: the root's state and the feed history it keeps. */
export interface StatusExtras {
  readonly rootState?: string;
  readonly history?: StateHistory;
  /** Book levels per side (default 10). */
  readonly bookLevels?: number;
}

/** Order states that are over: such orders are no longer ours on the venue. */
const FINAL_STATES: ReadonlySet<string> = new Set(['cancelled', 'filled', 'rejected', 'done']);

const finite = (x: number | undefined): number => (x !== undefined && Number.isFinite(x) ? x : 0);
const orNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

function symbolStatus(rt: Runtime, symbol: string, inst: Instrument, levelsWanted: number): SymbolStatus {
  const { market, orders, portfolio, quoting } = rt.started;
  const top = market.marketInput(symbol);
  const snap = portfolio.snapshot(symbol);
  const levels = top === undefined ? undefined : market.levels(symbol, levelsWanted);
  const fmt = (l: { price: number; size: number }): LevelStatus => ({
    price: formatPrice(inst, l.price),
    size: formatQty(inst, l.size),
  });
  const mid = market.midPrice(symbol);
  const age = market.ageMs(symbol);
  const maxPos = rt.limits.maxPositionBase;
  const position = snap?.positionBase ?? 0;
  return {
    symbol,
    quoter: quoting.state(symbol),
    book: market.bookState(symbol),
    bestBid: top === undefined ? null : formatPrice(inst, top.bestBid),
    bestAsk: top === undefined ? null : formatPrice(inst, top.bestAsk),
    orders: orders
      .orders(symbol)
      .filter((o) => !FINAL_STATES.has(o.state))
      .sort((a, b) => b.price - a.price)
      .map((o) => ({
        orderLinkId: o.orderLinkId,
        side: o.side,
        price: formatPrice(inst, o.price),
        qty: formatQty(inst, o.qty),
        filled: formatQty(inst, o.cumQty),
        state: o.state,
      })),
    position,
    realisedPnl: snap?.realisedPnl ?? 0,
    unrealisedPnl: finite(snap?.unrealisedPnl),
    fees: snap?.fees ?? 0,
    fills: snap?.fillsApplied ?? 0,
    bids: levels?.bids.map(fmt) ?? [],
    asks: levels?.asks.map(fmt) ?? [],
    mid: Number.isFinite(mid) ? mid.toFixed(inst.priceDecimals + 1) : null,
    spreadBps:
      top === undefined || !(top.bestBid > 0)
        ? null
        : ((top.bestAsk - top.bestBid) / ((top.bestAsk + top.bestBid) / 2)) * 1e4,
    bookAgeMs: Number.isFinite(age) ? age : null,
    volBps: orNull(top?.volBps),
    inventory: {
      positionBase: position,
      notional: finite(snap?.positionNotional),
      ratio: maxPos > 0 ? position / maxPos : 0,
      avgEntry: orNull(snap?.avgEntryPrice),
      mark: orNull(snap?.markPrice),
    },
    pnl: {
      equity: finite(snap?.equity),
      daily: finite(snap?.dailyPnl),
      drawdown: finite(snap?.drawdown),
    },
  };
}

/** A feed that was up (live or stale) left its session: the socket went down. */
const isDrop = (from: string, to: string): boolean =>
  (from === 'session.live' || from === 'session.stale') && !to.startsWith('session.');

/** Builds the status of a runtime (extras come from the web endpoint, where it runs). */
export function botStatus(rt: Runtime, extras: StatusExtras = {}): BotStatus {
  const { config, clock } = rt.d;
  const now = clock.now();
  const history = extras.history;
  const feedKinds = ['public', 'private', ...(config.exchange.order_entry === 'ws' ? ['trade'] : [])];
  const feeds: Record<string, string> = {};
  const feedStatus: Record<string, FeedStatus> = {};
  for (const kind of feedKinds) {
    const state = rt.feedState(kind);
    feeds[kind] = state;
    feedStatus[kind] = {
      state,
      drops: history?.moves(`feed.${kind}`, isDrop) ?? 0,
      reconnectAttempts: history?.entries(`feed.${kind}`, 'backoff') ?? 0,
      gaveUp: state.startsWith('gaveUp'),
    };
  }
  const since = (name: string): number | null => history?.current(name)?.since ?? null;
  const machines: MachineStatus[] = [
    {
      name: 'root',
      state: extras.rootState ?? (rt.isStarted ? 'running' : 'starting'),
      since: since('root'),
    },
    ...feedKinds.map((k) => ({ name: `feed.${k}`, state: feeds[k] ?? 'idle', since: since(`feed.${k}`) })),
    { name: 'risk', state: rt.riskState, since: since('risk') },
  ];
  const symbols: SymbolStatus[] = [];
  const orderCounts: Record<string, number> = {};
  let totals = { realisedPnl: 0, unrealisedPnl: 0, fees: 0, dailyPnl: 0, drawdown: 0, consecutiveLosses: 0 };
  let pnl = 0;
  if (rt.isStarted) {
    const { instruments, orders, portfolio } = rt.started;
    for (const symbol of config.symbols) {
      const s = symbolStatus(rt, symbol, instruments.get(symbol)!, extras.bookLevels ?? 10);
      symbols.push(s);
      machines.push(
        { name: `quoter.${symbol}`, state: s.quoter, since: since(`quoter.${symbol}`) },
        { name: `book.${symbol}`, state: s.book, since: since(`book.${symbol}`) },
      );
      totals.realisedPnl += s.realisedPnl;
      totals.unrealisedPnl += s.unrealisedPnl;
      totals.fees += s.fees;
    }
    for (const o of orders.orders())
      if (!FINAL_STATES.has(o.state)) orderCounts[o.state] = (orderCounts[o.state] ?? 0) + 1;
    const t = portfolio.totals();
    pnl = finite(t.pnl);
    totals = {
      ...totals,
      dailyPnl: finite(t.dailyPnl),
      drawdown: finite(t.drawdown),
      consecutiveLosses: t.consecutiveLosses,
    };
  }
  return {
    feeds,
    risk: rt.riskState,
    riskReasons: rt.lastVerdict?.reasons ?? [],
    symbols,
    pnl,
    at: now,
    mode: config.mode,
    prefix: config.instance.prefix,
    machines,
    totals,
    orderCounts,
    reconnects: {
      feeds: feedStatus,
      history: (history?.changes() ?? []).filter((c) => c.machine.startsWith('feed.')),
    },
  };
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
