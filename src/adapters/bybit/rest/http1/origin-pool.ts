/**
 * The connections to one origin: at most `limit` (connection_pool.limit_per_host), the most
 * recently used idle one first (its socket and the server's caches are warm), and a queue of
 * requests waiting for one. A request is never written twice: one whose connection closed before
 * its bytes went out goes back to the head of the queue; one whose bytes went out fails with its
 * outcome unknown, for the REST client to reconcile.
 */
import {
  Connection,
  type ConnectionOptions,
  type ConnectionOwner,
  type Exchange,
  type Origin,
} from './connection.js';

export interface OriginEvents {
  /** Connection counts changed (for the pool gauges). */
  changed(): void;
  /** A connection to `origin` could not be made. */
  connectFailed(origin: Origin): void;
}

class NotConnectedError extends Error {
  readonly code = 'MM_HTTP_NOT_CONNECTED';
}

export class OriginPool implements ConnectionOwner {
  readonly #conns = new Set<Connection>();
  readonly #idle: Connection[] = [];
  readonly #queue: Exchange[] = [];
  #closing = false;
  #drained: (() => void) | undefined;

  constructor(
    readonly origin: Origin,
    private readonly limit: number,
    private readonly options: ConnectionOptions,
    private readonly events: OriginEvents,
  ) {}

  /** Writes the request on an idle connection now, or queues it for the next one free. */
  dispatch(ex: Exchange): void {
    const conn = this.#takeIdle();
    if (conn !== undefined) {
      conn.send(ex);
      return;
    }
    this.#queue.push(ex);
    this.#grow();
  }

  /** Takes a request out of the queue (its caller gave up); false if it was not queued. */
  cancel(ex: Exchange): boolean {
    const i = this.#queue.indexOf(ex);
    if (i < 0) return false;
    this.#queue.splice(i, 1);
    return true;
  }

  /** Connections with a request on them, and idle ones. */
  counts(): { active: number; idle: number } {
    let active = 0;
    let idle = 0;
    for (const c of this.#conns) {
      if (c.busy) active++;
      else if (c.idle) idle++;
    }
    return { active, idle };
  }

  ready(conn: Connection): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      conn.send(next);
      return;
    }
    if (this.#closing) conn.destroy();
    else this.#idle.push(conn);
    this.events.changed();
  }

  closed(conn: Connection, error: Error | undefined, connected: boolean, unsent: Exchange | undefined): void {
    this.#conns.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
    if (unsent !== undefined) {
      if (unsent.live) this.#queue.unshift(unsent);
      else unsent.failed(error ?? new NotConnectedError('connection closed'), false);
    }
    if (!connected) {
      this.events.connectFailed(this.origin);
      // Nothing else can serve the queue: it fails now rather than wait for its deadlines.
      if (this.#conns.size === 0) this.#failQueue(error ?? new NotConnectedError('could not connect'));
    } else {
      this.#grow();
    }
    this.events.changed();
    if (this.#conns.size === 0 && this.#queue.length === 0) this.#drained?.();
  }

  /** Closes idle connections now and the others once their answer is in. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const c of this.#idle.splice(0)) c.destroy();
    await this.#drain();
  }

  /** Tears every connection down now; requests on them or queued fail. */
  async destroy(error: Error): Promise<void> {
    this.#closing = true;
    this.#failQueue(error);
    for (const c of this.#conns) c.destroy(error);
    await this.#drain();
  }

  #drain(): Promise<void> {
    if (this.#conns.size === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained = resolve));
  }

  #failQueue(error: Error): void {
    for (const ex of this.#queue.splice(0)) ex.failed(error, false);
  }

  /** The most recently used idle connection still open. */
  #takeIdle(): Connection | undefined {
    for (let c = this.#idle.pop(); c !== undefined; c = this.#idle.pop()) {
      if (c.idle) return c;
    }
    return undefined;
  }

  /** Opens connections for queued requests, up to the limit. */
  #grow(): void {
    let connecting = 0;
    for (const c of this.#conns) if (c.connecting) connecting++;
    while (connecting < this.#queue.length && this.#conns.size < this.limit) {
      let conn: Connection;
      try {
        conn = new Connection(this.origin, this, this.options);
      } catch (err) {
        // Options net or tls refuse outright (a bad TLS setting): nothing can be sent.
        if (this.#conns.size === 0) this.#failQueue(err as Error);
        break;
      }
      this.#conns.add(conn);
      connecting++;
    }
    if (connecting > 0) this.events.changed();
  }
}
