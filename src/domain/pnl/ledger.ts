/**
 * Position and PnL of one linear USDT perpetual, fed with our fills and mark prices.
 *
 * Quantities are integers of the instrument's quantity unit (exact: the position is always the
 * signed sum of the fills); prices and money are floats in quote currency. Realised PnL is gross
 * (price against average entry); fees are kept apart (positive = paid, a maker rebate is
 * negative), and equity = realised + unrealised − fees. Daily PnL is the equity change since the
 * first event of the current UTC day, the day being taken from the fill and mark timestamps (no
 * clock is read). A round trip runs from flat to flat, or until the position flips through zero
 * (the flip closes one and opens the next, its fee split pro rata); its PnL is the realised PnL
 * minus the fees attributed to it, and decides win (> 0) or loss (< 0). A break-even trip changes
 * neither the win/loss counts nor the run of consecutive losses.
 *
 * Fills are idempotent by execId (./seen-ids.ts explains the bounded memory).
 */
import { pow10 } from '../decimal.js';
import { SeenIds } from './seen-ids.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** One of our executions. */
export interface Fill {
  readonly execId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  /** Execution price in quote currency per base unit. */
  readonly price: number;
  /** Executed quantity in quantity units (a positive integer). */
  readonly qty: number;
  /** Fee in quote currency: positive paid, negative a rebate. */
  readonly fee: number;
  readonly isMaker: boolean;
  /** Execution time, ms since the epoch. */
  readonly time: number;
}

/** What happened to a fill. */
export type FillOutcome = 'applied' | 'duplicate' | 'expired' | 'invalid';

/** A closed round trip. */
export interface RoundTrip {
  readonly openedAt: number;
  readonly closedAt: number;
  /** Gross realised PnL over the trip. */
  readonly realised: number;
  /** Fees attributed to the trip. */
  readonly fees: number;
  /** realised − fees. */
  readonly pnl: number;
}

/** A point of the equity curve (one per minute with activity: the minute's last value). */
export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
}

/** Everything the ledger knows, for risk, metrics and the status page. */
export interface LedgerSnapshot {
  readonly symbol: string;
  /** Signed position in quantity units. */
  readonly positionUnits: number;
  /** Signed position in base currency. */
  readonly positionBase: number;
  /** Average entry price (NaN when flat). */
  readonly avgEntryPrice: number;
  /** Last mark price (NaN before any). */
  readonly markPrice: number;
  /** |position| · mark, in quote currency (0 when flat). */
  readonly positionNotional: number;
  readonly realisedPnl: number;
  readonly fees: number;
  readonly unrealisedPnl: number;
  /** realised + unrealised − fees. */
  readonly equity: number;
  readonly peakEquity: number;
  /** peak − equity (≥ 0). */
  readonly drawdown: number;
  /** Equity change since the start of the current UTC day. */
  readonly dailyPnl: number;
  /** The current UTC day as YYYY-MM-DD ('' before any event). */
  readonly day: string;
  readonly consecutiveLosses: number;
  readonly roundTrips: { readonly total: number; readonly wins: number; readonly losses: number };
  readonly lastRoundTrip: RoundTrip | null;
  readonly fillsApplied: number;
  readonly fillsDuplicate: number;
  readonly fillsExpired: number;
  readonly fillsInvalid: number;
}

/** Options of a ledger. */
export interface LedgerOptions {
  readonly symbol: string;
  /** Decimals of the quantity unit (instrument.qtyDecimals). */
  readonly qtyDecimals: number;
  /** execIds remembered per generation (default 50,000). */
  readonly seenIdsCap?: number;
  /** Points kept in the equity curve (default 1,440: a day of minutes). */
  readonly curvePoints?: number;
}

/** A position loaded from the exchange at start-up. */
export interface ExchangePosition {
  /** Signed size in quantity units (long > 0). */
  readonly sizeUnits: number;
  /** Average entry price. */
  readonly avgPrice: number;
  /** When the position was read: fills at or before it are already in it. */
  readonly asOfMs: number;
}

/** Position, PnL and round trips of one symbol. */
export class PnlLedger {
  readonly symbol: string;
  private readonly unit: number;
  private readonly seen: SeenIds;
  private readonly curveCap: number;
  private pos = 0;
  private avg = NaN;
  private markPx = NaN;
  private realised = 0;
  private feesPaid = 0;
  private peak = 0;
  private day = NaN;
  private dayStartEquity = 0;
  private losses = 0;
  private trips = { total: 0, wins: 0, losses: 0 };
  private last: RoundTrip | null = null;
  private trip: { openedAt: number; realised: number; fees: number } | null = null;
  private readonly curve: EquityPoint[] = [];
  private counts = { applied: 0, duplicate: 0, expired: 0, invalid: 0 };

  constructor(options: LedgerOptions, horizonMs = -Infinity) {
    this.symbol = options.symbol;
    this.unit = 1 / pow10(options.qtyDecimals);
    this.seen = new SeenIds(options.seenIdsCap ?? 50_000, horizonMs);
    this.curveCap = Math.max(1, options.curvePoints ?? 1440);
  }

  /**
   * Seeds a ledger with the position found on the exchange at start-up. Its realised PnL and fees
   * before that moment are unknown and start at zero; fills at or before `asOfMs` are refused as
   * expired, since the position already contains them.
   */
  static fromExchange(position: ExchangePosition, options: LedgerOptions): PnlLedger {
    const ledger = new PnlLedger(options, position.asOfMs);
    if (!Number.isSafeInteger(position.sizeUnits))
      throw new RangeError(`position size must be an integer of quantity units, was ${position.sizeUnits}`);
    if (position.sizeUnits !== 0) {
      if (!(position.avgPrice > 0))
        throw new RangeError(`a non-zero position needs an average price > 0, was ${position.avgPrice}`);
      ledger.pos = position.sizeUnits;
      ledger.avg = position.avgPrice;
      ledger.markPx = position.avgPrice;
      ledger.trip = { openedAt: position.asOfMs, realised: 0, fees: 0 };
    }
    return ledger;
  }

  /**
   * Takes the exchange's position when reconciliation finds ours differs (fills we never saw). The
   * realised PnL, fees and history are kept; fills at or before `asOfMs` are from then on refused
   * as expired, since the exchange's figure already contains them.
   */
  correctPosition(position: ExchangePosition): void {
    if (!Number.isSafeInteger(position.sizeUnits))
      throw new RangeError(`position size must be an integer of quantity units, was ${position.sizeUnits}`);
    if (position.sizeUnits !== 0 && !(position.avgPrice > 0))
      throw new RangeError(`a non-zero position needs an average price > 0, was ${position.avgPrice}`);
    this.seen.raiseHorizon(position.asOfMs);
    this.pos = position.sizeUnits;
    this.avg = position.sizeUnits === 0 ? NaN : position.avgPrice;
    if (this.pos === 0) this.trip = null;
    else this.trip ??= { openedAt: position.asOfMs, realised: 0, fees: 0 };
    this.afterEvent(position.asOfMs);
  }

  /** Applies one fill, once per execId. */
  applyFill(fill: Fill): FillOutcome {
    if (!this.isValid(fill)) {
      this.counts.invalid++;
      return 'invalid';
    }
    const verdict = this.seen.admit(fill.execId, fill.time);
    if (verdict !== 'new') {
      this.counts[verdict]++;
      return verdict;
    }
    this.rollDay(fill.time);
    if (Number.isNaN(this.markPx)) this.markPx = fill.price;
    const signed = fill.side === 'Buy' ? fill.qty : -fill.qty;
    let fee = fill.fee;
    this.feesPaid += fee;
    if (this.pos !== 0 && Math.sign(signed) !== Math.sign(this.pos)) {
      // Reducing: realise against the average entry, up to the whole position.
      const closing = Math.min(fill.qty, Math.abs(this.pos));
      const pnl = (fill.price - this.avg) * closing * this.unit * Math.sign(this.pos);
      const closingFee = (fee * closing) / fill.qty;
      this.realised += pnl;
      const trip = this.trip ?? { openedAt: fill.time, realised: 0, fees: 0 };
      trip.realised += pnl;
      trip.fees += closingFee;
      fee -= closingFee;
      this.pos += Math.sign(signed) * closing;
      if (this.pos === 0) {
        this.closeTrip(trip, fill.time);
        this.avg = NaN;
      } else this.trip = trip;
      const opening = fill.qty - closing;
      if (opening > 0) {
        // Flipped through zero: the rest opens a new position at the fill price.
        this.pos = Math.sign(signed) * opening;
        this.avg = fill.price;
        this.trip = { openedAt: fill.time, realised: 0, fees: fee };
      }
    } else {
      // Opening or adding: the average entry moves towards the fill price.
      const before = Math.abs(this.pos);
      this.avg =
        before === 0 ? fill.price : (this.avg * before + fill.price * fill.qty) / (before + fill.qty);
      this.pos += signed;
      if (this.trip === null) this.trip = { openedAt: fill.time, realised: 0, fees: 0 };
      this.trip.fees += fee;
    }
    this.counts.applied++;
    this.afterEvent(fill.time);
    return 'applied';
  }

  /** Marks the position to a price at a time; ignores a price that is not positive and finite. */
  mark(price: number, timeMs: number): boolean {
    if (!(price > 0) || !Number.isFinite(price) || !Number.isFinite(timeMs)) return false;
    this.rollDay(timeMs);
    this.markPx = price;
    this.afterEvent(timeMs);
    return true;
  }

  /** Returns the signed position in quantity units. */
  get positionUnits(): number {
    return this.pos;
  }

  /** Returns realised + unrealised − fees. */
  equity(): number {
    return this.realised + this.unrealised() - this.feesPaid;
  }

  /** Returns the equity curve, oldest first (one point per active minute, bounded). */
  equityCurve(): readonly EquityPoint[] {
    return [...this.curve];
  }

  /** Returns everything the ledger knows. */
  snapshot(): LedgerSnapshot {
    const equity = this.equity();
    const positionBase = this.pos * this.unit;
    return {
      symbol: this.symbol,
      positionUnits: this.pos,
      positionBase,
      avgEntryPrice: this.pos === 0 ? NaN : this.avg,
      markPrice: this.markPx,
      positionNotional: this.pos === 0 ? 0 : Math.abs(positionBase) * this.markPx,
      realisedPnl: this.realised,
      fees: this.feesPaid,
      unrealisedPnl: this.unrealised(),
      equity,
      peakEquity: this.peak,
      drawdown: Math.max(0, this.peak - equity),
      dailyPnl: equity - this.dayStartEquity,
      day: Number.isNaN(this.day) ? '' : new Date(this.day * DAY_MS).toISOString().slice(0, 10),
      consecutiveLosses: this.losses,
      roundTrips: { ...this.trips },
      lastRoundTrip: this.last,
      fillsApplied: this.counts.applied,
      fillsDuplicate: this.counts.duplicate,
      fillsExpired: this.counts.expired,
      fillsInvalid: this.counts.invalid,
    };
  }

  private unrealised(): number {
    if (this.pos === 0) return 0;
    // `+ 0` turns a -0 (short at the mark) into 0.
    return (this.markPx - this.avg) * this.pos * this.unit + 0;
  }

  private isValid(f: Fill): boolean {
    return (
      typeof f.execId === 'string' &&
      f.execId.length > 0 &&
      f.symbol === this.symbol &&
      (f.side === 'Buy' || f.side === 'Sell') &&
      f.price > 0 &&
      Number.isFinite(f.price) &&
      Number.isSafeInteger(f.qty) &&
      f.qty > 0 &&
      Number.isFinite(f.fee) &&
      Number.isFinite(f.time)
    );
  }

  private closeTrip(trip: { openedAt: number; realised: number; fees: number }, time: number): void {
    const pnl = trip.realised - trip.fees;
    this.last = { openedAt: trip.openedAt, closedAt: time, realised: trip.realised, fees: trip.fees, pnl };
    this.trips.total++;
    if (pnl > 0) {
      this.trips.wins++;
      this.losses = 0;
    } else if (pnl < 0) {
      this.trips.losses++;
      this.losses++;
    }
    this.trip = null;
  }

  /** Starts a new UTC day when an event belongs to a later one (events never move it back). */
  private rollDay(timeMs: number): void {
    const day = Math.floor(timeMs / DAY_MS);
    if (Number.isNaN(this.day) || day > this.day) {
      this.day = day;
      this.dayStartEquity = this.equity();
    }
  }

  private afterEvent(timeMs: number): void {
    const equity = this.equity();
    if (equity > this.peak) this.peak = equity;
    const minute = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
    const last = this.curve[this.curve.length - 1];
    if (last !== undefined && last.time >= minute) {
      this.curve[this.curve.length - 1] = { time: last.time, equity };
    } else {
      this.curve.push({ time: minute, equity });
      if (this.curve.length > this.curveCap) this.curve.shift();
    }
  }
}
