/**
 * Margin figures of a one-way USDT account: unrealised PnL at the marks, initial margin of
 * positions and of orders that could add to them, and the balance available for new orders. A
 * flat leverage and the first maintenance tier: enough for the bot's risk checks and the venue's
 * "ab not enough" refusal, not a model of Bybit's risk limits.
 */
import type { Account } from './accounts.js';
import { unrealised } from './position-math.js';
import type { SymbolState } from './symbol-state.js';

/** Leverage used for margin figures and the balance check. */
export const LEVERAGE = 10;
/** Maintenance margin rate of the first risk tier. */
export const MAINTENANCE_RATE = 0.005;

type Symbols = ReadonlyMap<string, SymbolState>;

/** Unrealised PnL over all symbols at the marks, money units. */
export function unrealisedOf(account: Account, symbols: Symbols): number {
  let u = 0;
  for (const p of account.positions.values()) {
    const s = symbols.get(p.symbol);
    if (s !== undefined) u += unrealised(p, s.mark, s.factor);
  }
  return u;
}

/** Initial margin of positions, money units. */
export function positionIMOf(account: Account, symbols: Symbols): number {
  let im = 0;
  for (const p of account.positions.values()) {
    const s = symbols.get(p.symbol);
    if (s !== undefined) im += Math.round((Math.abs(p.size) * s.mark * s.factor) / LEVERAGE);
  }
  return im;
}

/** Initial margin of open orders that can add to a position, money units. */
export function orderIMOf(account: Account, symbols: Symbols): number {
  let im = 0;
  for (const o of account.open.values()) {
    if (o.reduceOnly) continue;
    const s = symbols.get(o.symbol);
    if (s !== undefined) im += Math.round((o.price * o.leaves * s.factor) / LEVERAGE);
  }
  return im;
}

/** Maintenance margin of positions, money units. */
export function maintenanceOf(account: Account, symbols: Symbols): number {
  let mm = 0;
  for (const p of account.positions.values()) {
    const s = symbols.get(p.symbol);
    if (s !== undefined) mm += Math.round(Math.abs(p.size) * s.mark * s.factor * MAINTENANCE_RATE);
  }
  return mm;
}

/** Available balance = equity - position IM - order IM, money units. */
export function availableOf(account: Account, symbols: Symbols): number {
  return (
    account.wallet +
    unrealisedOf(account, symbols) -
    positionIMOf(account, symbols) -
    orderIMOf(account, symbols)
  );
}
