/**
 * One `orderbook.{depth}.{symbol}` stream (docs/bybit-v5-protocol.md §5.1). On each push tick it
 * takes the top `depth` levels of the engine's book (synthetic plus user quantity), diffs them
 * against what it last published and, when anything changed, sends a delta with `u` one higher:
 * changed or new levels with their absolute size, levels that vanished or left the window as "0".
 * A new subscriber gets the last published state as a snapshot with the current `u`, so the next
 * delta applies on top of it. Depth 1 is snapshot-only and repeats itself every 3 s unchanged.
 * The stream only runs while someone listens; `u` keeps counting across idle periods.
 */
import type { Clock, TimerId } from '../../domain/clock.js';
import { formatPrice, formatQty } from '../../domain/instrument.js';
import type { Exchange, SymbolState } from '../engine/exchange.js';
import { fanOut, type WsConn } from './ws-conn.js';

/** Linear orderbook depths (500 was retired in 2025). */
export const BOOK_DEPTHS = [1, 50, 200, 1000] as const;
export type BookDepth = (typeof BOOK_DEPTHS)[number];
/** How often an unchanged level-1 snapshot is repeated. */
const LEVEL1_REPEAT_MS = 3000;

/** Push period of a depth, scaled from the orderbook.50 period as Bybit's are (10/20/100/200 ms). */
export function depthIntervalMs(depth: BookDepth, pushIntervalMs: number): number {
  switch (depth) {
    case 1:
      return Math.max(1, Math.round(pushIntervalMs / 2));
    case 50:
      return pushIntervalMs;
    case 200:
      return pushIntervalMs * 5;
    case 1000:
      return pushIntervalMs * 10;
  }
}

export class BookStream {
  readonly topic: string;
  readonly subscribers = new Set<WsConn>();
  u = 0;
  /** Deltas sent since start (for tests and the throughput script). */
  sent = 0;
  #bidPx: number[] = [];
  #bidSz: number[] = [];
  #askPx: number[] = [];
  #askSz: number[] = [];
  #snapshot: string | undefined;
  /** Subscribers that joined while market data was silenced and still need their snapshot. */
  readonly #pending = new Set<WsConn>();
  #lastSentAt = 0;
  #skipNext = false;
  #timer: TimerId = undefined;
  #running = false;
  readonly #s: SymbolState;

  constructor(
    readonly depth: BookDepth,
    private readonly symbol: string,
    private readonly exchange: Exchange,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** Whether market data may go out now (faults can silence it). */
    private readonly canSend: () => boolean,
  ) {
    this.topic = `orderbook.${depth}.${symbol}`;
    this.#s = exchange.symbol(symbol)!;
  }

  /** Adds a subscriber and sends it the current snapshot. */
  subscribe(conn: WsConn): void {
    if (!this.#running) {
      this.#capture();
      this.u++;
      this.#snapshot = undefined;
      this.#running = true;
      this.#lastSentAt = this.clock.now();
      this.#arm();
    }
    this.subscribers.add(conn);
    if (this.canSend()) conn.send(this.#snapshotFrame());
    else this.#pending.add(conn);
  }

  unsubscribe(conn: WsConn): void {
    this.subscribers.delete(conn);
    this.#pending.delete(conn);
  }

  /** The next delta skips one `u` (fault skip_u). */
  skipNext(): void {
    this.#skipNext = true;
  }

  /** Restarts at u=1 with a fresh snapshot to every subscriber (fault reset_u, a service restart). */
  reset(): void {
    if (!this.#running) {
      this.u = 0;
      return;
    }
    this.#capture();
    this.u = 1;
    this.#snapshot = undefined;
    if (this.canSend()) fanOut(this.subscribers, this.#snapshotFrame(), this.subscribers.size);
    else for (const c of this.subscribers) this.#pending.add(c);
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

  #capture(): void {
    const book = this.#s.book;
    book.bids.top(this.depth, this.#bidPx, this.#bidSz);
    book.asks.top(this.depth, this.#askPx, this.#askSz);
  }

  #levels(px: readonly number[], sz: readonly number[]): string[][] {
    const inst = this.#s.inst;
    const out: string[][] = new Array<string[]>(px.length);
    for (let i = 0; i < px.length; i++) out[i] = [formatPrice(inst, px[i]!), formatQty(inst, sz[i]!)];
    return out;
  }

  #frame(type: 'snapshot' | 'delta', b: string[][], a: string[][]): string {
    const now = this.clock.now();
    const data = { s: this.symbol, b, a, u: this.u, seq: this.exchange.seq };
    const cts = this.#s.book.changedAt;
    // Level 1 and spot put `ts` before `type`; the deeper linear books put `type` first (§5.1).
    return this.depth === 1
      ? JSON.stringify({ topic: this.topic, ts: now, type, data, cts })
      : JSON.stringify({ topic: this.topic, type, ts: now, data, cts });
  }

  #snapshotFrame(): string {
    this.#snapshot ??= this.#frame(
      'snapshot',
      this.#levels(this.#bidPx, this.#bidSz),
      this.#levels(this.#askPx, this.#askSz),
    );
    return this.#snapshot;
  }

  /** One push tick (exposed for tests that drive streams by hand). */
  publish(): void {
    // While market data is silenced nothing is diffed, so the first delta afterwards carries
    // everything that changed meanwhile and the stream stays consistent.
    if (!this.canSend()) return;
    const now = this.clock.now();
    const book = this.#s.book;
    const nbPx: number[] = [];
    const nbSz: number[] = [];
    const naPx: number[] = [];
    const naSz: number[] = [];
    book.bids.top(this.depth, nbPx, nbSz);
    book.asks.top(this.depth, naPx, naSz);
    const inst = this.#s.inst;
    const b = diff(this.#bidPx, this.#bidSz, nbPx, nbSz, true, inst);
    const a = diff(this.#askPx, this.#askSz, naPx, naSz, false, inst);
    const changed = b.length > 0 || a.length > 0;
    const pending = this.#pending.size > 0;
    const repeat = this.depth === 1 && now - this.#lastSentAt >= LEVEL1_REPEAT_MS;
    if (!changed && !pending && !repeat) return;
    if (changed) {
      this.#bidPx = nbPx;
      this.#bidSz = nbSz;
      this.#askPx = naPx;
      this.#askSz = naSz;
      this.u += this.#skipNext ? 2 : 1;
      this.#skipNext = false;
      this.#snapshot = undefined;
    }
    if (pending) {
      const snap = this.#snapshotFrame();
      for (const c of this.#pending) c.send(snap);
    }
    if (changed || repeat) {
      this.#lastSentAt = now;
      const frame = this.depth === 1 ? this.#snapshotFrame() : this.#frame('delta', b, a);
      this.sent++;
      if (pending) {
        for (const c of this.subscribers) if (!this.#pending.has(c)) c.send(frame);
      } else fanOut(this.subscribers, frame, this.subscribers.size);
    }
    this.#pending.clear();
  }
}

/**
 * The delta between two top-N lists of one side (sorted best-first): new or resized levels with
 * their size, vanished ones with "0", in book order.
 */
function diff(
  oldPx: readonly number[],
  oldSz: readonly number[],
  newPx: readonly number[],
  newSz: readonly number[],
  isBid: boolean,
  inst: SymbolState['inst'],
): string[][] {
  const out: string[][] = [];
  let i = 0;
  let j = 0;
  while (i < oldPx.length || j < newPx.length) {
    const op = oldPx[i];
    const np = newPx[j];
    if (op !== undefined && np !== undefined && op === np) {
      if (oldSz[i] !== newSz[j]) out.push([formatPrice(inst, np), formatQty(inst, newSz[j]!)]);
      i++;
      j++;
    } else if (np === undefined || (op !== undefined && (isBid ? op > np : op < np))) {
      out.push([formatPrice(inst, op!), '0']);
      i++;
    } else {
      out.push([formatPrice(inst, np), formatQty(inst, newSz[j]!)]);
      j++;
    }
  }
  return out;
}
