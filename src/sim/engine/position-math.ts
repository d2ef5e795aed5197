/**
 * Linear USDT perpetual accounting in one-way mode: a signed size and the entry cost of that size.
 * A reducing fill realises (exit value - share of cost) for a long and the opposite for a short;
 * the share of cost is rounded to a money unit, and a fill that closes the whole size takes all the
 * remaining cost, so over any flat-to-flat cycle the realised PnL is exactly sells minus buys.
 */
import type { Side, SimPosition } from './types.js';

export interface FillOutcome {
  /** Gross realised PnL of the fill, money units. */
  readonly pnl: number;
  /** Quantity of the fill that closed existing size. */
  readonly closed: number;
}

/** Applies a fill of `qty` at `price` (value = price × qty × factor) to a position. */
export function applyFill(
  pos: SimPosition,
  side: Side,
  qty: number,
  price: number,
  factor: number,
): FillOutcome {
  const value = price * qty * factor;
  const dir = side === 'Buy' ? 1 : -1;
  if (pos.size === 0 || pos.size > 0 === dir > 0) {
    pos.size += dir * qty;
    pos.cost += value;
    return { pnl: 0, closed: 0 };
  }
  const abs = pos.size > 0 ? pos.size : -pos.size;
  const closed = qty < abs ? qty : abs;
  const closeValue = closed === qty ? value : price * closed * factor;
  const removedCost = closed === abs ? pos.cost : Math.round((pos.cost * closed) / abs);
  const pnl = pos.size > 0 ? closeValue - removedCost : removedCost - closeValue;
  pos.cost -= removedCost;
  pos.size += dir * closed;
  const opened = qty - closed;
  if (opened > 0) {
    pos.size = dir * opened;
    pos.cost = price * opened * factor;
  }
  return { pnl, closed };
}

/** Unrealised PnL at a mark price, money units. */
export function unrealised(pos: SimPosition, mark: number, factor: number): number {
  if (pos.size === 0) return 0;
  const markValue = Math.abs(pos.size) * mark * factor;
  return pos.size > 0 ? markValue - pos.cost : pos.cost - markValue;
}

/** The quantity a reduce-only order on `side` may still trade against a position. */
export function reducible(pos: SimPosition | undefined, side: Side): number {
  if (pos === undefined) return 0;
  return side === 'Buy' ? Math.max(0, -pos.size) : Math.max(0, pos.size);
}
