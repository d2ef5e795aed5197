/**
 * The public linear endpoint /v5/public/linear (docs/bybit-v5-protocol.md §4–5): subscribe and
 * unsubscribe with Bybit's ack shapes, where one refused topic fails the whole frame; ping answered
 * at once; orderbook, publicTrade and tickers streams. Faults can stall the endpoint (nothing goes
 * out, pongs included) or silence it (no market data, pongs still answered).
 */
import type { WebSocket } from 'ws';
import type { PublicTrade } from '../engine/types.js';
import { uuid } from '../ids.js';
import { BOOK_DEPTHS, BookStream, depthIntervalMs, type BookDepth } from './book-stream.js';
import type { SimContext } from './context.js';
import { TickerStream, TradeStream } from './market-streams.js';
import { decode, WsConn } from './ws-conn.js';

interface Streams {
  readonly books: Map<BookDepth, BookStream>;
  readonly trades: TradeStream;
  readonly tickers: TickerStream;
}

type Subscribable = BookStream | TradeStream | TickerStream;

/** TradeStream has no snapshot: subscribing just joins. */
function join(s: Subscribable, conn: WsConn): void {
  if (s instanceof TradeStream) s.subscribers.add(conn);
  else s.subscribe(conn);
}

class PublicConn extends WsConn {
  readonly topics = new Map<string, Subscribable>();
}

export class PublicServer {
  readonly conns = new Set<PublicConn>();
  readonly #streams = new Map<string, Streams>();
  readonly #ctx: SimContext;

  constructor(ctx: SimContext, pushIntervalMs: number) {
    this.#ctx = ctx;
    const canSend = (): boolean => !ctx.faults.publicSilenced();
    for (const [symbol, s] of ctx.exchange.symbols) {
      const books = new Map<BookDepth, BookStream>();
      for (const d of BOOK_DEPTHS)
        books.set(
          d,
          new BookStream(d, symbol, ctx.exchange, ctx.clock, depthIntervalMs(d, pushIntervalMs), canSend),
        );
      this.#streams.set(symbol, {
        books,
        trades: new TradeStream(s, ctx.clock),
        tickers: new TickerStream(
          s,
          ctx.exchange,
          ctx.stats.get(symbol)!,
          ctx.clock,
          pushIntervalMs * 5,
          canSend,
        ),
      });
    }
  }

  /** Finds the stream of a topic, or undefined when Bybit would say "handler not found". */
  stream(topic: string): Subscribable | undefined {
    const parts = topic.split('.');
    if (parts[0] === 'orderbook' && parts.length === 3) {
      const depth = Number(parts[1]) as BookDepth;
      return this.#streams.get(parts[2]!)?.books.get(depth);
    }
    if (parts.length !== 2) return undefined;
    const st = this.#streams.get(parts[1]!);
    if (parts[0] === 'publicTrade') return st?.trades;
    if (parts[0] === 'tickers') return st?.tickers;
    return undefined;
  }

  bookStreams(symbol: string | undefined): BookStream[] {
    const out: BookStream[] = [];
    for (const [sym, st] of this.#streams)
      if (symbol === undefined || sym === symbol) out.push(...st.books.values());
    return out;
  }

  onTrades(symbol: string, trades: readonly PublicTrade[]): void {
    this.#streams.get(symbol)?.trades.onTrades(trades, !this.#ctx.faults.publicSilenced());
  }

  accept(ws: WebSocket): void {
    const conn = new PublicConn(ws, 'public', uuid(this.#ctx.rng), this.#ctx.counters);
    this.conns.add(conn);
    ws.on('message', (data) => {
      try {
        this.#onMessage(conn, data);
      } catch (err) {
        this.#ctx.logger.warn({ err }, 'public frame handling failed');
      }
    });
    ws.on('close', () => {
      this.conns.delete(conn);
      for (const s of conn.topics.values()) s.unsubscribe(conn);
      conn.topics.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  #reply(conn: PublicConn, body: Record<string, unknown>): void {
    if (this.#ctx.faults.publicStalled()) {
      this.#ctx.faults.swallowed++;
      return;
    }
    conn.send(JSON.stringify(body));
  }

  #onMessage(conn: PublicConn, data: Parameters<typeof decode>[0]): void {
    const d = decode(data);
    const connId = conn.id;
    if (!d.ok) {
      this.#reply(conn, { success: false, ret_msg: d.error, conn_id: connId, req_id: '', op: '' });
      return;
    }
    const msg = d.msg;
    const reqId = msg.req_id ?? '';
    const op = msg.op;
    const answer = (success: boolean, retMsg: string, opName: string): void =>
      this.#reply(conn, { success, ret_msg: retMsg, conn_id: connId, req_id: reqId, op: opName });
    switch (op) {
      case 'ping':
        return answer(true, 'pong', 'ping');
      case 'subscribe':
      case 'unsubscribe': {
        const args = msg.args;
        if (!Array.isArray(args) || args.length === 0) return answer(false, 'error:args is empty', op);
        const topics: string[] = [];
        for (const a of args) {
          const topic = typeof a === 'string' ? a : JSON.stringify(a);
          if (typeof a !== 'string' || this.stream(a) === undefined)
            return answer(false, `error:handler not found,topic:${topic}`, op);
          topics.push(a);
        }
        if (op === 'unsubscribe') {
          for (const t of topics) {
            conn.topics.get(t)?.unsubscribe(conn);
            conn.topics.delete(t);
          }
          return answer(true, '', op);
        }
        const seen = new Set<string>();
        for (const t of topics) {
          if (conn.topics.has(t) || seen.has(t))
            return answer(false, `error:already subscribed,topic:${t}`, op);
          seen.add(t);
        }
        answer(true, '', op);
        for (const t of topics) {
          const s = this.stream(t)!;
          conn.topics.set(t, s);
          join(s, conn);
        }
        return;
      }
      default:
        return answer(false, 'error:invalid op', typeof op === 'string' ? op : '');
    }
  }

  close(): void {
    for (const st of this.#streams.values()) {
      for (const b of st.books.values()) b.stop();
      st.tickers.stop();
      st.trades.subscribers.clear();
    }
    for (const c of this.conns) c.terminate();
    this.conns.clear();
  }
}
