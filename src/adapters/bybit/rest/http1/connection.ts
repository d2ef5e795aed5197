/**
 * One keep-alive HTTP/1.1 connection carrying one request at a time (no pipelining: an order
 * request must never queue behind another's answer on the same socket).
 *
 * A request on a connection that is ready is written in the caller's own call: that is the point
 * of this client. undici defers every write on a reused socket by a turn of the event loop, to read
 * what may be pending on it first (GHSA-35p6-xmwp-9g52); at tick-to-order scale that turn is most
 * of the budget. Here the deferral is kept only where it buys something: a connection idle for
 * longer than STALE_AFTER_MS, the only kind a server closes for idleness (its idle timeout is
 * seconds), is checked first: the write waits until the event loop has polled its sockets once
 * more (two setImmediate turns: one alone can run before the next poll), so a close already on
 * the wire is read; if it turns out closed, the request was not written and goes to another
 * connection. A fresh connection writes once it is connected.
 *
 * Timeouts use the socket's own inactivity timer, set per phase: connect_timeout while connecting,
 * the request's read timeout while an answer is due (any byte restarts it: aiohttp's
 * sock_read), the keep-alive time while idle.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import {
  ClosedEarlyError,
  HttpParseError,
  ResponseParser,
  type Completion,
  type ResponseSink,
} from './response-parser.js';

/** Where requests go: one pool of connections each. */
export interface Origin {
  /** As given, such as `https://api.bybit.com`. */
  readonly url: string;
  readonly secure: boolean;
  /** Host name or IP, without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** The Host header: host, and the port unless it is the scheme's default. */
  readonly hostHeader: string;
}

/** Reads `http://` and `https://` origins; anything else is a programming error. */
export function parseOrigin(url: string): Origin {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError(`origin must be http or https, found ${url}`);
  }
  const secure = u.protocol === 'https:';
  return {
    url,
    secure,
    hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? (secure ? 443 : 80) : Number(u.port),
    hostHeader: u.host,
  };
}

/** A connection idle for longer than this is checked for a close before it is written on again. */
export const STALE_AFTER_MS = 1_000;
/** How much earlier than the server's advertised keep-alive timeout an idle connection is closed. */
const HINT_MARGIN_MS = 1_000;

export class ConnectTimeoutError extends Error {
  readonly code = 'MM_HTTP_CONNECT_TIMEOUT';
  constructor(ms: number) {
    super(`not connected within ${ms} ms`);
  }
}

export class ReadTimeoutError extends Error {
  readonly code = 'MM_HTTP_READ_TIMEOUT';
  constructor(ms: number) {
    super(`no byte of the answer for ${ms} ms`);
  }
}

/** A request as a connection sees it. */
export interface Exchange {
  /** Still wanted: false once its caller gave up. */
  readonly live: boolean;
  /** A connection took it (to write it now, or after its stale check). */
  taken(conn: Connection): void;
  /** Head and body, ready for the socket. */
  readonly bytes: string;
  /** Longest silence allowed while the answer is due. */
  readonly readTimeoutMs: number;
  /** The bytes are being handed to the socket now. */
  writing(): void;
  head(status: number, headers: IncomingHttpHeaders): void;
  /** A piece of the body; false abandons the answer (the connection is then torn down). */
  body(chunk: Buffer): boolean;
  /** The whole answer is in. */
  done(): void;
  /** No (whole) answer: `sent` tells whether the bytes were handed to the socket. */
  failed(error: Error, sent: boolean): void;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  /** The connection can take a request (just connected, or done with the last one). */
  ready(conn: Connection): void;
  /**
   * The connection is gone. `unsent` is a request it took but never wrote (its stale check found
   * it closed): the pool gives it to another connection. `connected` tells a failed connect apart.
   */
  closed(conn: Connection, error: Error | undefined, connected: boolean, unsent: Exchange | undefined): void;
}

export interface ConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly lookup?: LookupFunction;
  /** Extra TLS options (tests trust their own CA through this). */
  readonly tls?: TlsOptions;
  readonly now: () => number;
}

type Phase = 'connecting' | 'idle' | 'checking' | 'busy' | 'closed';

function afterCheck(conn: Connection): void {
  conn.checked();
}

function afterPoll(conn: Connection): void {
  setImmediate(afterCheck, conn);
}

export class Connection implements ResponseSink {
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  #phase: Phase = 'connecting';
  #exchange: Exchange | undefined;
  #written = false;
  #abandoned = false;
  #error: Error | undefined;
  #idleSince = 0;
  #keepAliveMs: number;

  constructor(
    readonly origin: Origin,
    private readonly owner: ConnectionOwner,
    private readonly options: ConnectionOptions,
  ) {
    this.#keepAliveMs = options.keepAliveMs;
    this.#parser = new ResponseParser(this);
    const { hostname, port } = origin;
    const lookup = options.lookup === undefined ? {} : { lookup: options.lookup };
    this.#socket = origin.secure
      ? tlsConnect({
          host: hostname,
          port,
          ...lookup,
          ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
          ALPNProtocols: ['http/1.1'],
          ...options.tls,
        })
      : netConnect({ host: hostname, port, ...lookup });
    this.#socket.setNoDelay(true);
    this.#socket.setTimeout(options.connectTimeoutMs);
    this.#socket.on(origin.secure ? 'secureConnect' : 'connect', () => this.#onConnect());
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('end', () => this.#onEnd());
    this.#socket.on('timeout', () => this.#onTimeout());
    this.#socket.on('error', (err: Error) => {
      this.#error ??= err;
    });
    this.#socket.on('close', () => this.#onClose());
  }

  /** Connected, and nothing on it. */
  get idle(): boolean {
    return this.#phase === 'idle';
  }

  /** Connected, with a request on it (or about to be). */
  get busy(): boolean {
    return this.#phase === 'busy' || this.#phase === 'checking';
  }

  get connecting(): boolean {
    return this.#phase === 'connecting';
  }

  /** Takes a request; only when `idle`. Written now unless the connection has been idle long. */
  send(ex: Exchange): void {
    this.#exchange = ex;
    ex.taken(this);
    this.#written = false;
    this.#abandoned = false;
    if (this.#idleSince !== 0 && this.options.now() - this.#idleSince > STALE_AFTER_MS) {
      this.#phase = 'checking';
      setImmediate(afterPoll, this);
      return;
    }
    this.#write(ex);
  }

  /** The stale check's poll has passed: still open, so the request goes out. */
  checked(): void {
    const ex = this.#exchange;
    if (this.#phase !== 'checking' || ex === undefined) return;
    // Closed in the meantime: the close hands the request back to the pool, unwritten.
    if (this.#socket.destroyed || this.#socket.readableEnded) return;
    this.#write(ex);
  }

  /** Tears the connection down; a request on it fails with `error`. */
  destroy(error?: Error): void {
    if (this.#phase === 'closed') return;
    this.#error ??= error;
    this.#socket.destroy();
  }

  #write(ex: Exchange): void {
    this.#phase = 'busy';
    this.#parser.expect();
    this.#socket.setTimeout(ex.readTimeoutMs);
    ex.writing();
    this.#written = true;
    this.#socket.write(ex.bytes);
  }

  onHead(status: number, headers: IncomingHttpHeaders): void {
    if (!this.#abandoned) this.#exchange?.head(status, headers);
  }

  onBody(chunk: Buffer): void {
    if (this.#abandoned || this.#exchange === undefined) return;
    if (!this.#exchange.body(chunk)) this.#abandoned = true;
  }

  #onConnect(): void {
    this.#idle();
    this.owner.ready(this);
  }

  #idle(): void {
    this.#phase = 'idle';
    this.#idleSince = this.options.now();
    this.#socket.setTimeout(this.#keepAliveMs);
  }

  #onData(chunk: Buffer): void {
    if (this.#phase !== 'busy') {
      // A byte on a connection with no request written on it cannot be an answer to ours.
      this.destroy(new HttpParseError('bytes with no request outstanding'));
      return;
    }
    let completion: Completion | undefined;
    try {
      completion = this.#parser.feed(chunk);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    if (this.#abandoned) {
      this.destroy(new Error('answer abandoned'));
      return;
    }
    if (completion !== undefined) this.#complete(completion);
  }

  #complete(c: Completion): void {
    const ex = this.#exchange!;
    this.#exchange = undefined;
    if (c.keepAlive) {
      if (c.keepAliveHintMs !== undefined) {
        const hinted = Math.max(c.keepAliveHintMs - HINT_MARGIN_MS, c.keepAliveHintMs / 2);
        this.#keepAliveMs = Math.min(this.options.keepAliveMs, hinted);
      }
      this.#idle();
    } else {
      this.#phase = 'closed';
      this.#socket.destroy();
    }
    ex.done();
    if (c.keepAlive) this.owner.ready(this);
  }

  #onEnd(): void {
    if (this.#phase !== 'busy') {
      this.#socket.destroy();
      return;
    }
    let completion: Completion;
    try {
      completion = this.#parser.eof();
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    this.#complete(completion);
  }

  #onTimeout(): void {
    if (this.#phase === 'connecting') this.destroy(new ConnectTimeoutError(this.options.connectTimeoutMs));
    else if (this.#phase === 'busy') this.destroy(new ReadTimeoutError(this.#exchange?.readTimeoutMs ?? 0));
    else if (this.#phase === 'idle') this.destroy();
  }

  #onClose(): void {
    const wasPhase = this.#phase;
    this.#phase = 'closed';
    const ex = this.#exchange;
    this.#exchange = undefined;
    let unsent: Exchange | undefined;
    if (ex !== undefined) {
      if (wasPhase === 'checking' && !this.#written) unsent = ex;
      else
        ex.failed(
          this.#error ?? new ClosedEarlyError('connection closed before the whole answer'),
          this.#written,
        );
    }
    // A connection leaves 'connecting' only once connected.
    this.owner.closed(this, this.#error, wasPhase !== 'connecting', unsent);
  }
}
