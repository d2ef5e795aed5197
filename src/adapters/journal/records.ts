/**
 * What the bot tells its trade journal: order states, fills, and position/PnL snapshots. The
 * journal writes them to Postgres; in replay the decisions log writes them to JSONL. Prices and
 * quantities that the venue sends as decimal strings stay strings, so nothing is rounded on the
 * way to a NUMERIC column.
 */

/** The run that produced the records: one per start of the bot (its orderLinkId stem). */
export interface RunRecord {
  /** `<prefix>-<start in base 36>`: the stem of the run's orderLinkIds. */
  readonly runId: string;
  /** The bot's clock at start (ms). */
  readonly startedAt: number;
  readonly mode: string;
  readonly configHash: string;
  readonly version: string;
}

/** An order of ours after a transition of its machine. */
export interface OrderRecord {
  readonly orderLinkId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  /** Decimal strings in the instrument's precision. */
  readonly price: string;
  readonly qty: string;
  readonly cumQty: string;
  /** The order machine's state (pendingNew, new, partiallyFilled, filled, cancelled ...). */
  readonly state: string;
  /** Clock time of the transition (ms). */
  readonly at: number;
}

/** A fill of ours, as the venue reported it. */
export interface FillRecord {
  readonly execId: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  readonly price: string;
  readonly qty: string;
  readonly fee: string;
  readonly isMaker: boolean;
  /** Venue time of the execution (ms). */
  readonly execTime: number;
}

/** Position and PnL of one symbol at one time (quote currency, USDT). */
export interface PnlRecord {
  readonly at: number;
  readonly symbol: string;
  /** Signed, in base currency. */
  readonly position: number;
  /** NaN when flat. */
  readonly avgEntryPrice: number;
  /** NaN before the first mark. */
  readonly markPrice: number;
  readonly realisedPnl: number;
  readonly unrealisedPnl: number;
  readonly fees: number;
  /** realised + unrealised − fees. */
  readonly equity: number;
  readonly dailyPnl: number;
  readonly drawdown: number;
}

/** The sink of trade records. Every method returns at once and never throws. */
export interface TradeLog {
  run(r: RunRecord): void;
  order(o: OrderRecord): void;
  fill(f: FillRecord): void;
  pnl(snapshots: readonly PnlRecord[]): void;
  /** Writes what is pending and lets go of the store, within `timeoutMs`. */
  close?(timeoutMs: number): Promise<void>;
}

/** One sink that hands every record to several (the journal and the decisions log, say). */
export function teeTradeLog(...logs: readonly (TradeLog | undefined)[]): TradeLog | undefined {
  const all = logs.filter((l): l is TradeLog => l !== undefined);
  if (all.length <= 1) return all[0];
  return {
    run: (r) => all.forEach((l) => l.run(r)),
    order: (o) => all.forEach((l) => l.order(o)),
    fill: (f) => all.forEach((l) => l.fill(f)),
    pnl: (s) => all.forEach((l) => l.pnl(s)),
    close: async (ms) => {
      await Promise.all(all.map((l) => l.close?.(ms) ?? Promise.resolve()));
    },
  };
}
