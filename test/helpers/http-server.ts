/**
 * A real node:http server on 127.0.0.1, port 0, for adapter tests: it records every request's raw
 * bytes (the query exactly as sent after `?`, the body exactly as received) and answers from
 * per-route responders, with one-shot replies queued ahead of them. A responder may also hang
 * (never answer) or destroy the socket, to exercise timeouts and lost answers.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  readonly path: string;
  /** The raw bytes after `?` ("" when there is none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Remote port of the client socket (tells keep-alive reuse apart). */
  readonly remotePort: number;
}

export interface CannedReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
}

/** 'hang' never answers; 'destroy' resets the socket without answering. */
export type Reply = CannedReply | 'hang' | 'destroy';
export type Responder = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface EnvelopeOptions {
  readonly retCode?: number;
  readonly retMsg?: string;
  readonly retExtInfo?: unknown;
  readonly time?: number;
}

/** A v5 envelope (docs/bybit-v5-protocol.md §2.3). */
export function envelope(result: unknown, opts: EnvelopeOptions = {}): Record<string, unknown> {
  return {
    retCode: opts.retCode ?? 0,
    retMsg: opts.retMsg ?? 'OK',
    result,
    retExtInfo: opts.retExtInfo ?? {},
    time: opts.time ?? 1_700_000_000_000,
  };
}

/** A business error as Bybit sends it: HTTP 200, `result: {}`. */
export const errorEnvelope = (retCode: number, retMsg: string, time?: number): Record<string, unknown> =>
  envelope({}, { retCode, retMsg, ...(time === undefined ? {} : { time }) });

const key = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

export class LocalHttpServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #routes = new Map<string, Responder>();
  readonly #queued = new Map<string, Reply[]>();
  readonly #watchers = new Set<() => void>();
  readonly #hanging = new Set<ServerResponse>();
  #port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url,
          path: q < 0 ? url : url.slice(0, q),
          query: q < 0 ? '' : url.slice(q + 1),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: req.socket.remotePort ?? 0,
        };
        this.requests.push(recorded);
        for (const w of [...this.#watchers]) w();
        void this.#answer(recorded, res);
      });
    });
  }

  /** Starts a server on 127.0.0.1 with an ephemeral port. */
  static async start(): Promise<LocalHttpServer> {
    const s = new LocalHttpServer();
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      s.#server.listen(0, '127.0.0.1', () => resolve());
    });
    s.#port = (s.#server.address() as AddressInfo).port;
    return s;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Sets the standing responder of a route. */
  route(method: string, path: string, responder: Responder): this {
    this.#routes.set(key(method, path), responder);
    return this;
  }

  /** Queues one-shot replies for a route, used in order before its standing responder. */
  enqueue(method: string, path: string, ...replies: Reply[]): this {
    const k = key(method, path);
    const q = this.#queued.get(k) ?? [];
    q.push(...replies);
    this.#queued.set(k, q);
    return this;
  }

  /** Requests received on a path, in arrival order. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Resolves once the recorded requests satisfy the predicate (checked on every arrival). */
  until(predicate: (requests: readonly RecordedRequest[]) => boolean): Promise<void> {
    if (predicate(this.requests)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (predicate(this.requests)) {
          this.#watchers.delete(check);
          resolve();
        }
      };
      this.#watchers.add(check);
    });
  }

  /** Stops listening and drops every connection, hanging ones included. */
  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #answer(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const k = key(req.method, req.path);
    const queued = this.#queued.get(k);
    let reply: Reply;
    if (queued !== undefined && queued.length > 0) {
      reply = queued.shift()!;
    } else {
      const responder = this.#routes.get(k);
      reply =
        responder === undefined
          ? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
          : await responder(req);
    }
    if (reply === 'hang') {
      this.#hanging.add(res);
      return;
    }
    if (reply === 'destroy') {
      res.socket?.destroy();
      return;
    }
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json; charset=utf-8',
      ...reply.headers,
    });
    res.end(body);
  }
}
