/**
 * A small Bybit-like WebSocket server for tests, on 127.0.0.1 port 0. It speaks the shapes of
 * protocol doc §4 and §7 for one endpoint kind (public linear, private or trade): acks echoing
 * req_id, the pong shape of that endpoint, auth checked with hmacHex, order ops answered in the
 * trade envelope. Everything it receives is recorded, and it is scriptable: drop pongs, leave ops
 * unanswered, refuse topics, push frames before an ack, send anything, close or cut connections.
 * Also: a raw TCP server that never finishes (or never answers after) the upgrade.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { hmacHex } from '../../src/adapters/bybit/sign.js';

export type ServerKind = 'public' | 'private' | 'trade';

/** A frame the server received, with its connection number and the parsed JSON when it parsed. */
export interface ReceivedFrame {
  readonly conn: number;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

/** An order op as the trade endpoint received it. */
export interface TradeRequest {
  readonly reqId: string | undefined;
  readonly op: string;
  readonly args: unknown;
  readonly header: Record<string, unknown> | undefined;
}

export interface BybitTestServerOptions {
  readonly kind: ServerKind;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Server time in ms, for the auth expiry check and pong args; default Date.now. */
  readonly now?: () => number;
}

const PRIVATE_TOPIC = /^(order|execution|position|wallet|dcp|greeks)(\.|$)/;

/** One client connection as the server sees it. */
export class ServerConnection {
  authenticated = false;
  readonly topics = new Set<string>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly id: number,
    readonly connId: string,
    readonly socket: WebSocket,
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    });
  }

  send(data: string | Buffer, binary = false): void {
    this.socket.send(data, { binary });
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  close(code = 1000, reason = ''): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

export class BybitTestServer {
  readonly kind: ServerKind;
  readonly url: string;
  readonly received: ReceivedFrame[] = [];
  /** Pings get no answer while set. */
  dropPongs = false;
  /** Ops that get no answer at all (e.g. 'subscribe', 'auth', 'order.create'). */
  readonly silentOps = new Set<string>();
  /** Topics refused with `error:handler not found,topic:<topic>`; one refused topic fails the frame. */
  readonly refusedTopics = new Set<string>();
  /** Runs on every accepted subscribe before its ack goes out (e.g. to push a snapshot first). */
  beforeAck: ((conn: ServerConnection, topics: readonly string[]) => void) | undefined;
  /** Answers an order op (return undefined to stay silent); default: accepted with a fresh orderId. */
  orderResponder: (req: TradeRequest, conn: ServerConnection) => Record<string, unknown> | undefined;

  readonly #wss: WebSocketServer;
  readonly #options: BybitTestServerOptions;
  readonly #conns: ServerConnection[] = [];
  #frameWaiters: { pred: (f: ReceivedFrame) => boolean; resolve: (f: ReceivedFrame) => void }[] = [];
  #connWaiters: ((c: ServerConnection) => void)[] = [];
  #orderSeq = 0;

  private constructor(wss: WebSocketServer, options: BybitTestServerOptions) {
    this.#wss = wss;
    this.#options = options;
    this.kind = options.kind;
    const { port } = wss.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}/v5/${options.kind === 'public' ? 'public/linear' : options.kind}`;
    this.orderResponder = (req) => this.acceptOrder(req);
    wss.on('connection', (socket) => this.#onConnection(socket));
  }

  static async start(options: BybitTestServerOptions): Promise<BybitTestServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    return new BybitTestServer(wss, options);
  }

  /** Connections in the order they were accepted (open or not). */
  get connections(): readonly ServerConnection[] {
    return this.#conns;
  }

  /** The latest connection. */
  get last(): ServerConnection {
    const c = this.#conns.at(-1);
    if (c === undefined) throw new Error('no connection yet');
    return c;
  }

  /** Resolves with the first connection (already accepted or next). */
  waitForConnection(): Promise<ServerConnection> {
    const c = this.#conns[0];
    if (c !== undefined) return Promise.resolve(c);
    return new Promise((resolve) => this.#connWaiters.push(resolve));
  }

  /** Resolves with the first received frame matching `pred`, past or future. */
  waitForFrame(pred: (f: ReceivedFrame) => boolean): Promise<ReceivedFrame> {
    const found = this.received.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#frameWaiters.push({ pred, resolve }));
  }

  /** Resolves with the first received frame whose op is `op` (and matching `pred`). */
  waitForOp(
    op: string,
    pred: (json: Record<string, unknown>) => boolean = () => true,
  ): Promise<ReceivedFrame> {
    return this.waitForFrame((f) => f.json?.['op'] === op && pred(f.json));
  }

  /** The ops received so far, in order. */
  ops(): string[] {
    return this.received.map((f) => {
      const op = f.json?.['op'];
      return typeof op === 'string' ? op : '?';
    });
  }

  /** Sends to every open connection. */
  broadcast(data: string | Buffer, binary = false): void {
    for (const c of this.#conns) if (c.socket.readyState === WebSocket.OPEN) c.send(data, binary);
  }

  /** The default order answer: retCode 0 with a new orderId and the request's orderLinkId. */
  acceptOrder(req: TradeRequest): Record<string, unknown> {
    const first = Array.isArray(req.args) ? (req.args[0] as Record<string, unknown> | undefined) : undefined;
    this.#orderSeq += 1;
    return this.tradeResponse(req, 0, 'OK', {
      orderId: `order-${this.#orderSeq}`,
      orderLinkId: typeof first?.['orderLinkId'] === 'string' ? first['orderLinkId'] : '',
    });
  }

  /** A trade-envelope response to `req` (reqId echoed when it was sent). */
  tradeResponse(
    req: TradeRequest,
    retCode: number,
    retMsg: string,
    data: Record<string, unknown> = {},
    header: Record<string, string> = {},
    retExtInfo: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const now = this.#now();
    return {
      ...(req.reqId === undefined ? {} : { reqId: req.reqId }),
      retCode,
      retMsg,
      op: req.op,
      data,
      retExtInfo,
      header: {
        'X-Bapi-Limit': '10',
        'X-Bapi-Limit-Status': '9',
        'X-Bapi-Limit-Reset-Timestamp': String(now),
        Traceid: 'test',
        Timenow: String(now),
        ...header,
      },
      connId: this.last.connId,
    };
  }

  async stop(): Promise<void> {
    for (const c of this.#conns) c.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #onConnection(socket: WebSocket): void {
    const conn = new ServerConnection(this.#conns.length + 1, `test-conn-${this.#conns.length + 1}`, socket);
    this.#conns.push(conn);
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(conn, data, isBinary));
    for (const w of this.#connWaiters.splice(0)) w(conn);
  }

  #onMessage(conn: ServerConnection, data: Buffer, isBinary: boolean): void {
    const text = data.toString();
    let json: Record<string, unknown> | undefined;
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) json = v as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    const frame: ReceivedFrame = { conn: conn.id, text, json };
    this.received.push(frame);
    this.#frameWaiters = this.#frameWaiters.filter((w) => {
      if (!w.pred(frame)) return true;
      w.resolve(frame);
      return false;
    });
    if (isBinary || json === undefined) {
      conn.sendJson({
        success: false,
        ret_msg: 'Failed to decode incoming data:readObjectStart: expect { or n',
        conn_id: conn.connId,
        op: '',
      });
      return;
    }
    const op = typeof json['op'] === 'string' ? json['op'] : '';
    if (this.silentOps.has(op)) return;
    const reqId = this.kind === 'trade' ? json['reqId'] : json['req_id'];
    switch (op) {
      case 'ping':
        if (!this.dropPongs) this.#pong(conn, reqId);
        return;
      case 'auth':
        this.#auth(conn, reqId, json['args']);
        return;
      case 'subscribe':
      case 'unsubscribe':
        this.#topics(conn, op, reqId, json['args']);
        return;
      default:
        if (this.kind === 'trade' && op.startsWith('order.')) {
          this.#order(conn, {
            reqId: typeof reqId === 'string' ? reqId : undefined,
            op,
            args: json['args'],
            header: json['header'] as Record<string, unknown> | undefined,
          });
          return;
        }
        conn.sendJson({
          success: false,
          ret_msg: 'error:invalid op',
          conn_id: conn.connId,
          req_id: reqId,
          op,
        });
    }
  }

  #pong(conn: ServerConnection, reqId: unknown): void {
    const now = String(this.#now());
    switch (this.kind) {
      case 'public':
        conn.sendJson({
          success: true,
          ret_msg: 'pong',
          conn_id: conn.connId,
          req_id: reqId ?? '',
          op: 'ping',
        });
        return;
      case 'private':
        conn.sendJson({ req_id: reqId, op: 'pong', args: [now], conn_id: conn.connId });
        return;
      case 'trade':
        conn.sendJson({ retCode: 0, retMsg: 'OK', op: 'pong', data: [now], connId: conn.connId });
        return;
    }
  }

  #auth(conn: ServerConnection, reqId: unknown, args: unknown): void {
    const [key, expiresArg, signature] = Array.isArray(args) ? (args as unknown[]) : [];
    const expires = typeof expiresArg === 'string' ? Number(expiresArg) : expiresArg;
    let failure: { code: number; msg: string } | undefined;
    if (typeof expires !== 'number' || !Number.isFinite(expires) || expires <= this.#now()) {
      failure = { code: 10001, msg: 'Params Error' };
    } else if (key !== this.#options.apiKey) {
      failure = { code: 10003, msg: 'Invalid apikey' };
    } else if (signature !== hmacHex(this.#options.apiSecret ?? '', `GET/realtime${expires}`)) {
      failure = { code: 10004, msg: 'Invalid sign' };
    }
    conn.authenticated = failure === undefined;
    if (this.kind === 'trade') {
      conn.sendJson({
        ...(reqId === undefined ? {} : { reqId }),
        retCode: failure?.code ?? 0,
        retMsg: failure?.msg ?? 'OK',
        op: 'auth',
        connId: conn.connId,
      });
    } else {
      conn.sendJson({
        req_id: reqId,
        success: failure === undefined,
        ret_msg: failure?.msg ?? '',
        op: 'auth',
        conn_id: conn.connId,
      });
    }
  }

  #topics(conn: ServerConnection, op: 'subscribe' | 'unsubscribe', reqId: unknown, args: unknown): void {
    const topics = Array.isArray(args) ? args.filter((t): t is string => typeof t === 'string') : [];
    const reply = (success: boolean, retMsg: string): void =>
      conn.sendJson({ success, ret_msg: retMsg, conn_id: conn.connId, req_id: reqId, op });
    if (this.kind === 'private' && !conn.authenticated && topics.some((t) => PRIVATE_TOPIC.test(t))) {
      reply(false, 'Request not authorized');
      return;
    }
    const refused = topics.find((t) => this.refusedTopics.has(t));
    if (refused !== undefined) {
      reply(false, `error:handler not found,topic:${refused}`);
      return;
    }
    if (op === 'subscribe') {
      const dup = topics.find((t) => conn.topics.has(t));
      if (dup !== undefined) {
        reply(false, `error:already subscribed,topic:${dup}`);
        return;
      }
      for (const t of topics) conn.topics.add(t);
      this.beforeAck?.(conn, topics);
    } else {
      for (const t of topics) conn.topics.delete(t);
    }
    reply(true, '');
  }

  #order(conn: ServerConnection, req: TradeRequest): void {
    if (!conn.authenticated) {
      conn.sendJson(this.tradeResponse(req, 10003, 'Request not authorized'));
      return;
    }
    const response = this.orderResponder(req, conn);
    if (response !== undefined) conn.sendJson(response);
  }
}

/**
 * A TCP server that accepts connections and then either never answers the upgrade request
 * (`upgrade: false`, a connect that hangs) or completes the WebSocket handshake and then ignores
 * everything, close frames included (`upgrade: true`, a close that hangs).
 */
export class SilentServer {
  readonly url: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server, upgrade: boolean) {
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}/v5/public/linear`;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.#sockets.delete(socket));
      if (!upgrade) return;
      let head = '';
      const onData = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        const match = /Sec-WebSocket-Key: *([^\r\n]+)/i.exec(head);
        if (!head.includes('\r\n\r\n') || match === null) return;
        socket.off('data', onData);
        const accept = createHash('sha1')
          .update(`${match[1]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        socket.on('data', () => undefined);
      };
      socket.on('data', onData);
    });
  }

  static async start(options: { upgrade: boolean }): Promise<SilentServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new SilentServer(server, options.upgrade);
  }

  /** Number of TCP connections currently open. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
