/** What every part of the wire server shares: the venue, its clock, budgets, faults and statistics. */
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Rng } from '../../domain/random.js';
import type { Exchange } from '../engine/exchange.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import type { MarketStats } from './market-stats.js';
import type { TradeOps } from './trade-ops.js';
import type { WireCounters } from './ws-conn.js';

export interface SimContext {
  readonly clock: Clock;
  readonly exchange: Exchange;
  readonly ops: TradeOps;
  readonly faults: FaultInjector;
  readonly stats: ReadonlyMap<string, MarketStats>;
  /** Source of connection and trace ids. */
  readonly rng: Rng;
  readonly logger: Logger;
  /** Time the venue started (instruments' launchTime). */
  readonly startedAt: number;
  /** Frame totals of every WebSocket connection. */
  readonly counters: WireCounters;
  /** The `u` of a symbol's 1000-level book stream (REST orderbook reports it). */
  bookU(symbol: string): number;
}
