/**
 * One engine operation in progress: its seq and time, what it did to each account (executions,
 * orders, symbols) and the trades it printed, and the private pushes it turns into, in Bybit's
 * order (docs/bybit-v5-protocol.md §6.7):
 *   fills:            execution → order → position → wallet
 *   no fill (create, amend, cancel, PostOnly refusal): order → wallet → position
 */
import type { Account } from './accounts.js';
import type { PublicTrade, Side, SimExecution, SimOrder } from './types.js';

export type PrivateItem =
  | { readonly topic: 'order'; readonly orders: readonly SimOrder[] }
  | { readonly topic: 'execution'; readonly executions: readonly SimExecution[] }
  | { readonly topic: 'position'; readonly symbols: readonly string[] }
  | { readonly topic: 'wallet' };

/** The pushes one operation caused for one account, in the order they go out. */
export interface PrivateBatch {
  readonly account: Account;
  readonly symbol: string;
  readonly seq: number;
  readonly items: readonly PrivateItem[];
}

export interface Touched {
  readonly execs: SimExecution[];
  readonly orders: Set<SimOrder>;
  readonly symbols: Set<string>;
  filled: boolean;
  readonly extra: SimOrder[];
}

export class Op {
  readonly touched = new Map<Account, Touched>();
  readonly trades: PublicTrade[] = [];
  printPrice = -1;
  printQty = 0;
  printSide: Side = 'Buy';

  constructor(
    readonly seq: number,
    readonly symbol: string,
    readonly now: number,
  ) {}

  of(account: Account): Touched {
    let t = this.touched.get(account);
    if (t === undefined) {
      t = { execs: [], orders: new Set(), symbols: new Set(), filled: false, extra: [] };
      this.touched.set(account, t);
    }
    return t;
  }
}

/** Builds the private pushes of a finished operation for one account. */
export function batchOf(op: Op, account: Account, t: Touched): PrivateBatch {
  const orders = [...t.orders].map((o) => ({ ...o }));
  const items: PrivateItem[] = [];
  const symbols = [...t.symbols];
  if (t.execs.length > 0) items.push({ topic: 'execution', executions: t.execs });
  if (orders.length > 0) items.push({ topic: 'order', orders });
  if (t.extra.length > 0) items.push({ topic: 'order', orders: t.extra });
  if (t.filled) items.push({ topic: 'position', symbols }, { topic: 'wallet' });
  else
    items.push(
      { topic: 'wallet' },
      { topic: 'position', symbols: symbols.length > 0 ? symbols : [op.symbol] },
    );
  return { account, symbol: op.symbol, seq: op.seq, items };
}
