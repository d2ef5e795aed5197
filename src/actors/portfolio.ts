/**
 * Position and PnL of every quoted symbol: one ledger per symbol fed with our fills (deduplicated
 * by execId, so a fill seen on the socket and again in a REST recovery counts once), marked to the
 * mid, and exported as metrics. It also answers the risk evaluation's questions.
 */
import type { Instrument } from '../domain/instrument.js';
import { parseQty } from '../domain/instrument.js';
import { PnlLedger, type LedgerSnapshot } from '../domain/pnl/ledger.js';
import type { Metrics } from '../adapters/metrics/metrics.js';
import type { Logger } from '../adapters/log/logger.js';
import type { VenueFill } from './orders/venue.js';

/** A position as the venue reports it (REST position/list or the position topic). */
export interface VenuePosition {
  readonly symbol: string;
  readonly side: string;
  readonly size: string;
  readonly avgPrice?: string | undefined;
  readonly entryPrice?: string | undefined;
}

export class Portfolio {
  readonly #ledgers = new Map<string, PnlLedger>();
  readonly #instruments: ReadonlyMap<string, Instrument>;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  #lastFillTime = 0;

  constructor(
    instruments: ReadonlyMap<string, Instrument>,
    symbols: readonly string[],
    metrics: Metrics,
    logger: Logger,
  ) {
    this.#instruments = instruments;
    this.#metrics = metrics;
    this.#logger = logger;
    for (const symbol of symbols) this.#ledgers.set(symbol, new PnlLedger(this.#options(symbol)));
  }

  #options(symbol: string) {
    return { symbol, qtyDecimals: this.#instrument(symbol).qtyDecimals };
  }

  #instrument(symbol: string): Instrument {
    const inst = this.#instruments.get(symbol);
    if (inst === undefined) throw new Error(`no instrument for ${symbol}`);
    return inst;
  }

  /** Signed position in quantity units of an exchange position row. */
  positionUnits(p: VenuePosition): number {
    const size = parseQty(this.#instrument(p.symbol), p.size);
    if (Number.isNaN(size)) return Number.NaN;
    return p.side === 'Sell' ? -size : size;
  }

  /** Seeds a symbol's ledger with the position the exchange reports at start-up. */
  load(p: VenuePosition, asOfMs: number): void {
    const { units, avg } = this.#read(p);
    this.#ledgers.set(
      p.symbol,
      PnlLedger.fromExchange({ sizeUnits: units, avgPrice: avg, asOfMs }, this.#options(p.symbol)),
    );
    this.#logger.info(
      { symbol: p.symbol, positionUnits: units, avgPrice: avg },
      'position loaded from the exchange',
    );
  }

  /** Takes the exchange's position when ours differs, keeping the PnL history. */
  correct(p: VenuePosition, asOfMs: number): void {
    const { units, avg } = this.#read(p);
    this.#ledgers.get(p.symbol)?.correctPosition({ sizeUnits: units, avgPrice: avg, asOfMs });
  }

  #read(p: VenuePosition): { units: number; avg: number } {
    const units = this.positionUnits(p);
    const avg = Number(p.avgPrice ?? p.entryPrice ?? '0');
    if (Number.isNaN(units)) throw new Error(`unreadable position size ${p.size} for ${p.symbol}`);
    return { units, avg };
  }

  /** Applies a fill of ours; returns true when it was new. */
  applyFill(f: VenueFill): boolean {
    const ledger = this.#ledgers.get(f.symbol);
    if (ledger === undefined) return false;
    const inst = this.#instrument(f.symbol);
    const time = Number(f.execTime);
    const outcome = ledger.applyFill({
      execId: f.execId,
      symbol: f.symbol,
      side: f.side,
      price: Number(f.execPrice),
      qty: parseQty(inst, f.execQty),
      fee: Number(f.execFee),
      isMaker: f.isMaker,
      time,
    });
    if (outcome === 'invalid')
      this.#logger.warn({ execId: f.execId, symbol: f.symbol }, 'unreadable fill ignored');
    if (outcome !== 'applied') return false;
    if (time > this.#lastFillTime) this.#lastFillTime = time;
    const liquidity = f.isMaker ? 'maker' : 'taker';
    this.#metrics.fills.inc({ symbol: f.symbol, side: f.side, liquidity });
    this.#metrics.fillVolume.inc({ symbol: f.symbol, side: f.side }, Number(f.execQty));
    return true;
  }

  /** Marks a symbol to a price (the mid). */
  mark(symbol: string, price: number, now: number): void {
    if (Number.isFinite(price) && price > 0) this.#ledgers.get(symbol)?.mark(price, now);
  }

  /** The time of the newest fill applied (ms), for recovering missed fills after an outage. */
  get lastFillTime(): number {
    return this.#lastFillTime;
  }

  positionOf(symbol: string): number {
    return this.#ledgers.get(symbol)?.positionUnits ?? 0;
  }

  snapshot(symbol: string): LedgerSnapshot | undefined {
    return this.#ledgers.get(symbol)?.snapshot();
  }

  snapshots(): LedgerSnapshot[] {
    return [...this.#ledgers.values()].map((l) => l.snapshot());
  }

  /** Totals over all symbols. */
  totals(): { pnl: number; dailyPnl: number; drawdown: number; consecutiveLosses: number } {
    let pnl = 0;
    let dailyPnl = 0;
    let drawdown = 0;
    let consecutiveLosses = 0;
    for (const s of this.snapshots()) {
      pnl += s.equity;
      dailyPnl += s.dailyPnl;
      drawdown += s.drawdown;
      consecutiveLosses = Math.max(consecutiveLosses, s.consecutiveLosses);
    }
    return { pnl, dailyPnl, drawdown, consecutiveLosses };
  }

  /** Refreshes the position and PnL gauges. */
  sample(): void {
    const m = this.#metrics;
    for (const s of this.snapshots()) {
      m.positionBase.set({ symbol: s.symbol }, s.positionBase);
      m.positionNotional.set(
        { symbol: s.symbol },
        Number.isFinite(s.positionNotional) ? s.positionNotional : 0,
      );
      m.pnlRealized.set({ symbol: s.symbol }, s.realisedPnl);
      m.pnlUnrealized.set({ symbol: s.symbol }, Number.isFinite(s.unrealisedPnl) ? s.unrealisedPnl : 0);
      m.pnlFees.set({ symbol: s.symbol }, s.fees);
    }
    const t = this.totals();
    m.pnlTotal.set(Number.isFinite(t.pnl) ? t.pnl : 0);
    m.pnlDaily.set(Number.isFinite(t.dailyPnl) ? t.dailyPnl : 0);
    m.drawdown.set(t.drawdown);
    m.consecutiveLosses.set(t.consecutiveLosses);
  }
}
