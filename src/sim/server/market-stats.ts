/**
 * Rolling 24-hour statistics of one symbol's tape for tickers: open price 24 h and 1 h ago, high,
 * low, volume and turnover, kept in one-minute buckets so memory stays flat however long it runs.
 */
const MINUTE = 60_000;
const DAY_MINUTES = 1440;

interface Bucket {
  minute: number;
  open: number;
  high: number;
  low: number;
  volume: number;
  turnover: number;
}

export interface DayStats {
  readonly prevPrice24h: number;
  readonly prevPrice1h: number;
  readonly high: number;
  readonly low: number;
  /** Quantity units. */
  readonly volume: number;
  /** Money units. */
  readonly turnover: number;
}

export class MarketStats {
  readonly #buckets: Bucket[] = [];
  readonly #start: number;

  constructor(startPrice: number) {
    this.#start = startPrice;
  }

  onTrade(price: number, qty: number, value: number, now: number): void {
    const minute = Math.floor(now / MINUTE);
    let b = this.#buckets[this.#buckets.length - 1];
    if (b === undefined || b.minute !== minute) {
      b = { minute, open: price, high: price, low: price, volume: 0, turnover: 0 };
      this.#buckets.push(b);
      while (this.#buckets.length > 0 && this.#buckets[0]!.minute <= minute - DAY_MINUTES)
        this.#buckets.shift();
    }
    if (price > b.high) b.high = price;
    if (price < b.low) b.low = price;
    b.volume += qty;
    b.turnover += value;
  }

  stats(now: number, last: number): DayStats {
    const minute = Math.floor(now / MINUTE);
    let high = last;
    let low = last;
    let volume = 0;
    let turnover = 0;
    let prev24 = this.#start;
    let prev1 = this.#start;
    let found24 = false;
    let found1 = false;
    for (const b of this.#buckets) {
      if (b.minute <= minute - DAY_MINUTES) continue;
      if (!found24) {
        prev24 = b.open;
        found24 = true;
      }
      if (!found1 && b.minute > minute - 60) {
        prev1 = b.open;
        found1 = true;
      }
      if (b.high > high) high = b.high;
      if (b.low < low) low = b.low;
      volume += b.volume;
      turnover += b.turnover;
    }
    if (!found1) prev1 = last;
    return { prevPrice24h: prev24, prevPrice1h: prev1, high, low, volume, turnover };
  }
}
