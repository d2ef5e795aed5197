/**
 * The order book bybit-api users keep, in the style of the `orderbooks` package its author
 * publishes for it (docs/peers.md): one array of [symbol, price, side, qty] levels for both sides,
 * prices and sizes converted with unary `+`, a delta split into deletes and upserts, each level
 * found with findIndex, and the whole array sorted by price (highest first) after every update.
 * The best bid is the first 'Buy' level and the best ask the last 'Sell' one, each read by
 * filtering the array, as that package's getBestBid/getBestAsk do.
 *
 * Written for this benchmark; it reproduces the algorithmic shape, not the package's code.
 */

/** [symbol, price, side, qty]. */
type Level = [string, number, 'Buy' | 'Sell', number];

const PRICE = 1;
const SIDE = 2;
const QTY = 3;

/** A Bybit v5 orderbook push as bybit-api emits it on 'update'. */
export interface BookPush {
  readonly topic: string;
  readonly type: string;
  readonly data: { readonly s: string; readonly b: string[][]; readonly a: string[][] };
}

/** An array-backed book for one symbol. */
export class ArrayBook {
  book: Level[] = [];

  /** Applies one push the way the package's Bybit example does. */
  handle(push: BookPush): void {
    const symbol = push.data.s;
    const levels: Level[] = [
      ...push.data.b.map(([p, q]) => [symbol, +p!, 'Buy', +q!] as Level),
      ...push.data.a.map(([p, q]) => [symbol, +p!, 'Sell', +q!] as Level),
    ];
    if (push.type === 'snapshot') {
      this.book = levels;
      this.#sort();
      return;
    }
    const deletes: Level[] = [];
    const upserts: Level[] = [];
    for (const level of levels) (level[QTY] === 0 ? deletes : upserts).push(level);
    for (const level of deletes) {
      const i = this.book.findIndex((e) => e[PRICE] === level[PRICE]);
      if (i !== -1) this.book.splice(i, 1);
    }
    for (const level of upserts) {
      const i = this.book.findIndex((e) => e[PRICE] === level[PRICE]);
      if (i !== -1) this.book.splice(i, 1, level);
      else this.book.push(level);
    }
    this.#sort();
  }

  /** Highest bid price, or null. */
  bestBid(): number | null {
    const buys = this.book.filter((e) => e[SIDE] === 'Buy');
    return buys[0]?.[PRICE] ?? null;
  }

  /** Lowest ask price, or null. */
  bestAsk(): number | null {
    const sells = this.book.filter((e) => e[SIDE] === 'Sell');
    return sells[sells.length - 1]?.[PRICE] ?? null;
  }

  #sort(): void {
    this.book.sort((a, b) => b[PRICE] - a[PRICE]);
  }
}
