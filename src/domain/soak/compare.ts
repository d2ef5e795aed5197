/**
 * A checkpoint's comparison of what the bot believes with what the venue holds: feeds live,
 * our open orders the same on both sides, the position the same, and the bot's book top close to
 * the venue's. Orders in flight (pending states on the bot) may be on either side; every settled
 * order must be on both. The book is compared by mid price within a tolerance because the venue
 * moves between the two reads.
 */

/** The bot's side, from its /status. */
export interface BotSide {
  readonly ready: boolean;
  /** Why it is not ready (/readyz's reasons: book_not_live:SYM, risk_halted, starting ...). */
  readonly readyReasons: readonly string[];
  readonly feeds: Readonly<Record<string, string>>;
  readonly symbols: readonly {
    readonly symbol: string;
    readonly orders: readonly { readonly orderLinkId: string; readonly state: string }[];
    readonly position: number;
    readonly bestBid: string | null;
    readonly bestAsk: string | null;
  }[];
}

/** The venue's side, per symbol. */
export interface VenueSide {
  readonly symbol: string;
  /** orderLinkIds of our open orders (our prefix only). */
  readonly openOrders: readonly string[];
  /** Signed position in base units. */
  readonly position: number;
  readonly bestBid: number | null;
  readonly bestAsk: number | null;
}

/** The names of the checks a checkpoint can fail. */
export type CheckName = 'feeds' | 'orders' | 'position' | 'book' | 'zombies' | 'disk' | 'logs' | 'status';

/** What the comparison found. */
export interface Comparison {
  readonly failed: readonly CheckName[];
  readonly details: readonly string[];
  /** Facts worth reporting that fail nothing (a kill-switch halt is the risk machine working). */
  readonly notes: readonly string[];
}

/** Not-ready reasons that say nothing about the connection to the venue. */
const NOT_CONNECTIVITY = new Set(['risk_halted']);

/** Bot order states whose presence on the venue is not settled yet. */
const IN_FLIGHT = new Set(['pendingNew', 'pendingCancel', 'pendingAmend', 'reconciling']);

/** Mid-price tolerance between the bot's book and the venue's, in basis points. */
export const BOOK_TOLERANCE_BPS = 10;

const mid = (bid: number | null, ask: number | null): number | null =>
  bid !== null && ask !== null && bid > 0 && ask > 0 ? (bid + ask) / 2 : null;

/** Compares the bot with the venue. */
export function compareWithVenue(
  bot: BotSide,
  venue: readonly VenueSide[],
  positionTolerance = 1e-9,
): Comparison {
  const failed = new Set<CheckName>();
  const details: string[] = [];
  const notes: string[] = [];
  const notLive = Object.entries(bot.feeds).filter(([, s]) => !s.includes('live'));
  const reasons = bot.ready ? [] : bot.readyReasons.filter((r) => !NOT_CONNECTIVITY.has(r));
  if (bot.readyReasons.includes('risk_halted')) notes.push('risk halted (kill switch)');
  if ((!bot.ready && (reasons.length > 0 || bot.readyReasons.length === 0)) || notLive.length > 0) {
    failed.add('feeds');
    const parts = [
      ...(reasons.length > 0 ? [`not ready: ${reasons.join(', ')}`] : bot.ready ? [] : ['not ready']),
      ...notLive.map(([k, s]) => `${k} ${s}`),
    ];
    details.push(`feeds: ${parts.join('; ')}`);
  }
  for (const v of venue) {
    const b = bot.symbols.find((s) => s.symbol === v.symbol);
    if (b === undefined) {
      failed.add('status');
      details.push(`${v.symbol}: not in the bot's status`);
      continue;
    }
    const known = new Map(b.orders.map((o) => [o.orderLinkId, o.state]));
    const onVenue = new Set(v.openOrders);
    const unknownOnVenue = v.openOrders.filter((id) => !known.has(id));
    const missingOnVenue = b.orders.filter((o) => !IN_FLIGHT.has(o.state) && !onVenue.has(o.orderLinkId));
    if (unknownOnVenue.length > 0 || missingOnVenue.length > 0) {
      failed.add('orders');
      details.push(
        `${v.symbol} orders: ${unknownOnVenue.length} open on the venue unknown to the bot, ` +
          `${missingOnVenue.length} the bot holds open missing on the venue`,
      );
    }
    if (Math.abs(b.position - v.position) > positionTolerance) {
      failed.add('position');
      details.push(`${v.symbol} position: bot ${b.position}, venue ${v.position}`);
    }
    const botMid = mid(
      b.bestBid === null ? null : Number(b.bestBid),
      b.bestAsk === null ? null : Number(b.bestAsk),
    );
    const venueMid = mid(v.bestBid, v.bestAsk);
    if (botMid === null || venueMid === null) {
      failed.add('book');
      details.push(`${v.symbol} book: ${botMid === null ? 'the bot has no book' : 'the venue has no book'}`);
    } else {
      const bps = (Math.abs(botMid - venueMid) / venueMid) * 1e4;
      if (bps > BOOK_TOLERANCE_BPS) {
        failed.add('book');
        details.push(`${v.symbol} book: mid ${botMid} vs venue ${venueMid} (${bps.toFixed(1)} bps apart)`);
      }
    }
  }
  return { failed: [...failed], details, notes };
}
