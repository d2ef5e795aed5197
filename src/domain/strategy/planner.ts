/**
 * The order planner: from the desired ladder (computeQuotes) and our live orders to the requests
 * that turn one into the other, amend-first with Hummingbot's refresh tolerance
 * (docs/peers.md §1) and tribeca's self-cross check.
 *
 * EXECUTION ORDER (the caller must follow it; every guarantee below assumes it):
 *   1. all `cancels`, and wait for their answers;
 *   2. the `amends`, in the order given (batches in order, each awaited);
 *   3. the `creates`, in the order given.
 * If a cancel fails for any reason other than "order not found" (already gone), skip that side's
 * creates: the order still occupies its slot.
 *
 * Guarantees under that order:
 * - In-flight orders (pending new, amend or cancel) are never cancelled or amended; a pending new
 *   or amend that already sits within tolerance of a desired level covers that level.
 * - Per side, live-or-pending orders never exceed maxActivePerSide at any point: creates are
 *   planned only into slots left after the cancels, in-flight orders included; the levels nearest
 *   the fair price are kept when slots run out.
 * - No amend or create crosses one of our resting orders on the other side at the moment it is
 *   sent. The planner simulates the sequence: every resting price (both the old and the target
 *   price of a pending amend) is an obstacle; amends that widen (bids down, asks up, size only) go
 *   before those that tighten, which, for a non-crossing live state and a non-crossing desired
 *   ladder, never blocks anything; whatever would still cross is left out and counted.
 * - A desired level matched to a live order within refresh_tolerance_bps with the same resting size
 *   needs nothing; otherwise the order is amended to the desired price and size. So an unchanged
 *   market plans nothing.
 *
 * Batches: `batches` holds the same requests cut into runs of one side, each at most `batchSize`
 * (20 for Bybit linear), in execution order, ready for the batch endpoints.
 */
import { InvariantError } from '../../errors.js';
import type { Instrument } from '../instrument.js';
import type { PlanParams } from './params.js';
import type { QuoteLevel } from './quotes.js';

/** Bybit's order side. */
export type OrderSide = 'Buy' | 'Sell';

/** What an in-flight order is waiting for. */
export type PendingKind = 'new' | 'amend' | 'cancel';

/** One of our orders as the order manager knows it: open on the venue, or in flight. */
export interface LiveOrder {
  readonly orderLinkId: string;
  readonly side: OrderSide;
  /** The price it rests at (for a pending amend, the price before the amend), in price units. */
  readonly price: number;
  /** The order quantity in quantity units (Bybit's qty: filled included). */
  readonly qty: number;
  /** Quantity filled so far (0 when omitted). */
  readonly filledQty?: number;
  /** Set while a request about this order is in flight; such orders are never touched. */
  readonly pending?: PendingKind;
  /** For a pending amend: the price it is being moved to. */
  readonly pendingPrice?: number;
}

/** The desired ladder (the bids and asks of computeQuotes). */
export interface DesiredQuotes {
  readonly bids: readonly QuoteLevel[];
  readonly asks: readonly QuoteLevel[];
  /** Creates are flagged reduceOnly when this is true. */
  readonly reduceOnly?: boolean;
}

/** A cancel to send. */
export interface PlannedCancel {
  readonly side: OrderSide;
  readonly orderLinkId: string;
}

/** An amend to send. */
export interface PlannedAmend {
  readonly side: OrderSide;
  readonly orderLinkId: string;
  /** New price, in price units. */
  readonly price: number;
  /** New order quantity (filled + desired resting size), in quantity units, as Bybit's amend expects. */
  readonly qty: number;
  /** The price it rested at. */
  readonly fromPrice: number;
  /** The desired level it now serves. */
  readonly level: number;
}

/** A create to send (the caller assigns the orderLinkId). */
export interface PlannedCreate {
  readonly side: OrderSide;
  readonly price: number;
  readonly qty: number;
  readonly level: number;
  readonly reduceOnly: boolean;
}

/** The plan, in execution order, plus the same requests in batches. */
export interface OrderPlan {
  readonly cancels: readonly PlannedCancel[];
  readonly amends: readonly PlannedAmend[];
  readonly creates: readonly PlannedCreate[];
  readonly batches: {
    readonly cancels: readonly (readonly PlannedCancel[])[];
    readonly amends: readonly (readonly PlannedAmend[])[];
    readonly creates: readonly (readonly PlannedCreate[])[];
  };
  /** Requests left out: `crossing` would have crossed our own order, `capacity` found no free slot. */
  readonly skipped: { readonly crossing: number; readonly capacity: number };
}

/** Returns whether a price is within `bps` of a target. */
export function withinTolerance(price: number, target: number, bps: number): boolean {
  return Math.abs(price - target) * 1e4 <= bps * target;
}

interface Pair {
  readonly d: number;
  readonly o: number;
  readonly dist: number;
}

/** Greedy nearest-price matching: returns, per desired index, the matched order index or -1. */
function matchNearest(
  desired: readonly QuoteLevel[],
  orders: readonly LiveOrder[],
  priceOf: (o: LiveOrder) => number,
  accept: (d: QuoteLevel, o: LiveOrder) => boolean,
): number[] {
  const pairs: Pair[] = [];
  for (let d = 0; d < desired.length; d++) {
    for (let o = 0; o < orders.length; o++) {
      const dl = desired[d] as QuoteLevel;
      const ol = orders[o] as LiveOrder;
      if (accept(dl, ol)) pairs.push({ d, o, dist: Math.abs(priceOf(ol) - dl.price) });
    }
  }
  // Nearest first; ties go to the level nearest the fair price, then to the earlier order.
  pairs.sort((a, b) => a.dist - b.dist || a.d - b.d || a.o - b.o);
  const byDesired = new Array<number>(desired.length).fill(-1);
  const used = new Array<boolean>(orders.length).fill(false);
  for (const p of pairs) {
    if (byDesired[p.d] !== -1 || used[p.o]) continue;
    byDesired[p.d] = p.o;
    used[p.o] = true;
  }
  return byDesired;
}

const restingQty = (o: LiveOrder): number => o.qty - (o.filledQty ?? 0);

interface SidePlan {
  cancels: PlannedCancel[];
  amends: PlannedAmend[];
  creates: PlannedCreate[];
  capacitySkipped: number;
}

// The helpers below are module functions, not closures made per plan: under tsx (how the bot
// runs) every named closure created costs about 1 µs, esbuild's keepNames naming it.

/** Whether a `side` order at `price` would cross the other side's best desired price. */
function crossesOpposite(side: OrderSide, price: number, oppositeDesiredBest: number): boolean {
  return side === 'Buy' ? price >= oppositeDesiredBest : price <= oppositeDesiredBest;
}

/** Whether an amend moves its order away from the other side (it cannot cross on the way). */
function widens(x: PlannedAmend): boolean {
  return x.side === 'Buy' ? x.price <= x.fromPrice : x.price >= x.fromPrice;
}

/** Whether a `side` order at `price` stays clear of what rests on the other side. */
function safe(side: OrderSide, price: number, bids: Resting, asks: Resting): boolean {
  return side === 'Buy' ? price < asks.extreme() : price > bids.extreme();
}

function planSide(
  side: OrderSide,
  desired: readonly QuoteLevel[],
  live: readonly LiveOrder[],
  params: PlanParams,
  oppositeDesiredBest: number,
  reduceOnly: boolean,
): SidePlan {
  const tol = params.refreshToleranceBps;
  const inFlight = live.filter((o) => o.pending !== undefined);
  const idle = live.filter((o) => o.pending === undefined);

  // 1. Levels already being placed (pending new or amend near the level) need nothing more.
  const covering = inFlight.filter((o) => o.pending !== 'cancel');
  const coverMatch = matchNearest(
    desired,
    covering,
    (o) => o.pendingPrice ?? o.price,
    (d, o) => withinTolerance(o.pendingPrice ?? o.price, d.price, tol),
  );
  const open = desired.filter((_, i) => coverMatch[i] === -1);

  // 2. Amend-first: match the rest to idle orders, nearest price first.
  const match = matchNearest(
    open,
    idle,
    (o) => o.price,
    () => true,
  );
  const cancels: PlannedCancel[] = [];
  const amends: PlannedAmend[] = [];
  const wanted: QuoteLevel[] = [];
  const matched = new Set<number>();
  open.forEach((d, i) => {
    const oi = match[i] as number;
    if (oi === -1) {
      wanted.push(d);
      return;
    }
    matched.add(oi);
    const o = idle[oi] as LiveOrder;
    const keep =
      withinTolerance(o.price, d.price, tol) &&
      restingQty(o) === d.qty &&
      !crossesOpposite(side, o.price, oppositeDesiredBest);
    if (!keep) {
      amends.push({
        side,
        orderLinkId: o.orderLinkId,
        price: d.price,
        qty: (o.filledQty ?? 0) + d.qty,
        fromPrice: o.price,
        level: d.level,
      });
    }
  });
  idle.forEach((o, i) => {
    if (!matched.has(i)) cancels.push({ side, orderLinkId: o.orderLinkId });
  });

  // 3. Create what is missing, into the slots left after the cancels.
  const slots = Math.max(0, params.maxActivePerSide - (live.length - cancels.length));
  wanted.sort((a, b) => a.level - b.level);
  const creates = wanted
    .slice(0, slots)
    .map((d): PlannedCreate => ({ side, price: d.price, qty: d.qty, level: d.level, reduceOnly }));
  return { cancels, amends, creates, capacitySkipped: Math.max(0, wanted.length - slots) };
}

/** The resting prices of one side while the plan executes (a multiset, small). */
class Resting {
  private readonly prices: number[] = [];
  constructor(private readonly bid: boolean) {}
  add(p: number): void {
    this.prices.push(p);
  }
  move(from: number, to: number): void {
    const i = this.prices.indexOf(from);
    if (i >= 0) this.prices[i] = to;
    else this.prices.push(to);
  }
  /** The highest bid or the lowest ask (±Infinity when empty). */
  extreme(): number {
    let x = this.bid ? -Infinity : Infinity;
    for (const p of this.prices) x = this.bid ? Math.max(x, p) : Math.min(x, p);
    return x;
  }
}

function chunkRuns<T extends { readonly side: OrderSide }>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  for (const it of items) {
    if (cur.length > 0 && (cur.length >= size || (cur[0] as T).side !== it.side)) {
      out.push(cur);
      cur = [];
    }
    cur.push(it);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Checks the desired ladder the planner relies on: positive integer prices and sizes (on the
 * instrument's grid when it is given) and no desired bid at or above a desired ask. computeQuotes
 * guarantees all of it, so a failure is a bug: it throws InvariantError (disposition 'halt').
 */
export function assertLadder(
  desired: DesiredQuotes,
  instrument?: Pick<Instrument, 'tickUnits' | 'lotUnits'>,
): void {
  let maxBid = -Infinity;
  let minAsk = Infinity;
  for (const [side, levels] of [
    ['bid', desired.bids],
    ['ask', desired.asks],
  ] as const) {
    for (const l of levels) {
      const ok =
        Number.isSafeInteger(l.price) &&
        l.price > 0 &&
        Number.isSafeInteger(l.qty) &&
        l.qty > 0 &&
        (instrument === undefined ||
          (l.price % instrument.tickUnits === 0 && l.qty % instrument.lotUnits === 0));
      if (!ok)
        throw new InvariantError(`desired ${side} level ${l.level} is off the grid: ${l.qty} @ ${l.price}`);
      if (side === 'bid') maxBid = Math.max(maxBid, l.price);
      else minAsk = Math.min(minAsk, l.price);
    }
  }
  if (maxBid >= minAsk)
    throw new InvariantError(`desired ladder crosses itself: bid ${maxBid} >= ask ${minAsk}`);
}

/**
 * Plans the cancels, amends and creates that turn the live orders into the desired ladder. The
 * desired ladder is checked first (assertLadder; against the instrument's grid when given).
 */
export function planOrders(
  desired: DesiredQuotes,
  live: readonly LiveOrder[],
  params: PlanParams,
  instrument?: Pick<Instrument, 'tickUnits' | 'lotUnits'>,
): OrderPlan {
  assertLadder(desired, instrument);
  const reduceOnly = desired.reduceOnly ?? false;
  const liveBids = live.filter((o) => o.side === 'Buy');
  const liveAsks = live.filter((o) => o.side === 'Sell');
  const bestDesiredAsk = desired.asks.reduce((m, l) => Math.min(m, l.price), Infinity);
  const bestDesiredBid = desired.bids.reduce((m, l) => Math.max(m, l.price), -Infinity);
  const b = planSide('Buy', desired.bids, liveBids, params, bestDesiredAsk, reduceOnly);
  const a = planSide('Sell', desired.asks, liveAsks, params, bestDesiredBid, reduceOnly);
  const cancels = [...b.cancels, ...a.cancels];

  // Simulate what rests once the cancels are done: every price an order might be at.
  const cancelled = new Set(cancels.map((c) => c.orderLinkId));
  const bids = new Resting(true);
  const asks = new Resting(false);
  for (const o of live) {
    if (cancelled.has(o.orderLinkId)) continue;
    const r = o.side === 'Buy' ? bids : asks;
    r.add(o.price);
    if (o.pending === 'amend' && o.pendingPrice !== undefined) r.add(o.pendingPrice);
  }
  const ordered = [
    ...b.amends.filter(widens),
    ...a.amends.filter(widens),
    ...b.amends.filter((x) => !widens(x)),
    ...a.amends.filter((x) => !widens(x)),
  ];
  let crossing = 0;
  const amends: PlannedAmend[] = [];
  for (const x of ordered) {
    if (!safe(x.side, x.price, bids, asks)) {
      crossing++;
      continue;
    }
    (x.side === 'Buy' ? bids : asks).move(x.fromPrice, x.price);
    amends.push(x);
  }
  const creates: PlannedCreate[] = [];
  for (const c of [...b.creates, ...a.creates]) {
    if (!safe(c.side, c.price, bids, asks)) {
      crossing++;
      continue;
    }
    (c.side === 'Buy' ? bids : asks).add(c.price);
    creates.push(c);
  }
  const size = Math.max(1, Math.floor(params.batchSize));
  return {
    cancels,
    amends,
    creates,
    batches: {
      cancels: chunkRuns(cancels, size),
      amends: chunkRuns(amends, size),
      creates: chunkRuns(creates, size),
    },
    skipped: { crossing, capacity: b.capacitySkipped + a.capacitySkipped },
  };
}
