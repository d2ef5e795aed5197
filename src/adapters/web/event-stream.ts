/**
 * Server-sent events for the status page (GET /events): every client gets the same payload, built
 * once per interval and only while someone listens. A client that stops reading is dropped once
 * its unsent backlog passes a bound, so a stuck browser tab cannot grow the bot's memory; the
 * number of clients is capped for the same reason. EventSource reconnects by itself (`retry`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerId } from '../../domain/clock.js';

/** Unsent bytes a client may fall behind by before it is dropped. */
const MAX_BACKLOG_BYTES = 1 << 20;
/** How long a browser waits before reconnecting after the stream ends. */
const RETRY_MS = 2_000;

export interface EventStreamOptions {
  readonly clock: Clock;
  /** How often a fresh payload is sent. */
  readonly intervalMs: number;
  readonly maxClients: number;
  /** Builds the payload (one line of JSON); called once per interval while clients listen. */
  readonly payload: () => string;
  /** The event name clients listen for. */
  readonly event: string;
  /** Told the number of clients whenever it changes. */
  readonly onClients?: (n: number) => void;
}

/** A broadcast of one payload to every connected EventSource. */
export class EventStream {
  readonly #o: EventStreamOptions;
  readonly #clients = new Set<ServerResponse>();
  #timer: TimerId = undefined;
  #seq = 0;
  #closed = false;

  constructor(options: EventStreamOptions) {
    this.#o = options;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Answers one GET /events: the stream, or 503 when the bot is closing or too many listen. */
  accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closed || this.#clients.size >= this.#o.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
      res.end(
        this.#closed
          ? 'the web endpoint is closing\n'
          : `too many status pages open (web.max_page_clients is ${this.#o.maxClients})\n`,
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.#clients.add(res);
    this.#o.onClients?.(this.#clients.size);
    const drop = () => {
      if (this.#clients.delete(res)) this.#o.onClients?.(this.#clients.size);
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    // A new page should not wait a whole interval for its first picture.
    this.#send(new Set([res]), this.#o.payload());
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#clients.size === 0 || this.#closed) return;
      this.#send(this.#clients, this.#o.payload());
      this.#arm();
    }, this.#o.intervalMs);
  }

  #send(to: ReadonlySet<ServerResponse>, payload: string): void {
    this.#seq++;
    const frame = `id: ${this.#seq}\nevent: ${this.#o.event}\ndata: ${payload}\n\n`;
    for (const res of to) {
      if (res.writableLength > MAX_BACKLOG_BYTES) {
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  }

  /** Ends every stream and stops the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#o.onClients?.(0);
  }
}
