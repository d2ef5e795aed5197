/**
 * `publicTrade.{symbol}` and `tickers.{symbol}` (docs/bybit-v5-protocol.md §5.2–5.3). Trades go out
 * as they print (at most 1024 per frame); tickers push a snapshot on subscribe and then, on each
 * tick, a delta with only the fields that changed.
 */
import type { Clock, TimerId } from '../../domain/clock.js';
import { formatPrice, formatQty } from '../../domain/instrument.js';
import type { Exchange, SymbolState } from '../engine/exchange.js';
import type { PublicTrade } from '../engine/types.js';
import { tickerFields } from '../wire/market.js';
import type { MarketStats } from './market-stats.js';
import { fanOut, type WsConn } from './ws-conn.js';

const MAX_TRADES_PER_FRAME = 1024;

export class TradeStream {
  readonly topic: string;
  readonly subscribers = new Set<WsConn>();
  #last = 0;
  #dir = 'ZeroPlusTick';

  constructor(
    private readonly s: SymbolState,
    private readonly clock: Clock,
  ) {
    this.topic = `publicTrade.${s.inst.symbol}`;
    this.#last = s.lastPrice;
  }

  #tick(price: number): string {
    if (price > this.#last) this.#dir = 'PlusTick';
    else if (price < this.#last) this.#dir = 'MinusTick';
    else if (this.#dir === 'PlusTick') this.#dir = 'ZeroPlusTick';
    else if (this.#dir === 'MinusTick') this.#dir = 'ZeroMinusTick';
    this.#last = price;
    return this.#dir;
  }

  unsubscribe(conn: WsConn): void {
    this.subscribers.delete(conn);
  }

  /** Publishes trades just printed. */
  onTrades(trades: readonly PublicTrade[], canSend: boolean): void {
    const inst = this.s.inst;
    const data = trades.map((t) => ({
      T: t.time,
      s: t.symbol,
      S: t.side,
      v: formatQty(inst, t.qty),
      p: formatPrice(inst, t.price),
      L: this.#tick(t.price),
      i: t.id,
      BT: false,
      RPI: false,
      seq: t.seq,
    }));
    if (this.subscribers.size === 0 || !canSend) return;
    const ts = this.clock.now();
    for (let i = 0; i < data.length; i += MAX_TRADES_PER_FRAME) {
      const frame = JSON.stringify({
        topic: this.topic,
        type: 'snapshot',
        ts,
        data: data.slice(i, i + MAX_TRADES_PER_FRAME),
      });
      fanOut(this.subscribers, frame, this.subscribers.size);
    }
  }
}

export class TickerStream {
  readonly topic: string;
  readonly subscribers = new Set<WsConn>();
  #fields: Record<string, string> | undefined;
  /** Subscribers that joined while market data was silenced and still need their snapshot. */
  readonly #pending = new Set<WsConn>();
  #timer: TimerId = undefined;
  #running = false;

  constructor(
    private readonly s: SymbolState,
    private readonly exchange: Exchange,
    private readonly stats: MarketStats,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly canSend: () => boolean,
  ) {
    this.topic = `tickers.${s.inst.symbol}`;
  }

  #current(): Record<string, string> {
    const now = this.clock.now();
    return tickerFields(this.s, this.stats.stats(now, this.s.lastPrice), now);
  }

  #frame(type: 'snapshot' | 'delta', data: Record<string, string>): string {
    return JSON.stringify({ topic: this.topic, type, data, cs: this.exchange.seq, ts: this.clock.now() });
  }

  subscribe(conn: WsConn): void {
    if (!this.#running) {
      this.#fields = this.#current();
      this.#running = true;
      this.#arm();
    }
    this.subscribers.add(conn);
    if (this.canSend()) conn.send(this.#frame('snapshot', this.#fields!));
    else this.#pending.add(conn);
  }

  unsubscribe(conn: WsConn): void {
    this.subscribers.delete(conn);
    this.#pending.delete(conn);
  }

  stop(): void {
    if (this.#running) this.clock.clearTimeout(this.#timer);
    this.#running = false;
    this.subscribers.clear();
  }

  #arm(): void {
    this.#timer = this.clock.setTimeout(() => {
      if (this.subscribers.size === 0) {
        this.#running = false;
        return;
      }
      this.publish();
      this.#arm();
    }, this.intervalMs);
  }

  /** One tick: a delta of the changed fields, if any. */
  publish(): void {
    if (!this.canSend()) return;
    const next = this.#current();
    const prev = this.#fields ?? {};
    const delta: Record<string, string> = { symbol: next.symbol! };
    let changed = false;
    for (const [k, v] of Object.entries(next)) {
      if (k !== 'symbol' && prev[k] !== v) {
        delta[k] = v;
        changed = true;
      }
    }
    this.#fields = next;
    if (this.#pending.size > 0) {
      const snap = this.#frame('snapshot', next);
      for (const c of this.#pending) c.send(snap);
    }
    if (changed) {
      const frame = this.#frame('delta', delta);
      for (const c of this.subscribers) if (!this.#pending.has(c)) c.send(frame);
    }
    this.#pending.clear();
  }
}
