/**
 * The order-entry socket /v5/trade (docs/bybit-v5-protocol.md §7): `auth` answered in the
 * retCode/retMsg/connId form; order.create / amend / cancel and their -batch variants run the same
 * TradeOps as REST and answer {reqId, retCode, retMsg, op, data, retExtInfo, header, connId}, with
 * `reqId` echoed only when sent and a repeated reqId refused with 20006.
 */
import type { WebSocket } from 'ws';
import type { Account } from '../engine/accounts.js';
import { traceId, xidConnId } from '../ids.js';
import type { SimContext } from './context.js';
import { hmacHex, signatureMatches } from './hmac.js';
import type { Params } from './order-params.js';
import { checkTimestamp } from './rest-auth.js';
import type { LimitStatus } from './rate-limit.js';
import type { OpOutcome } from './trade-ops.js';
import { decode, WsConn } from './ws-conn.js';

/** How many request ids a connection remembers for the duplicate check. */
const REQ_ID_MEMORY = 10_000;

class TradeConn extends WsConn {
  account: Account | undefined;
  readonly reqIds = new Set<string>();
}

type OrderOp = (ctx: SimContext, account: Account, args: Params) => OpOutcome;

const OPS: Record<string, OrderOp> = {
  'order.create': (ctx, a, p) => ctx.ops.create(a, p),
  'order.amend': (ctx, a, p) => ctx.ops.amend(a, p),
  'order.cancel': (ctx, a, p) => ctx.ops.cancel(a, p),
  'order.create-batch': (ctx, a, p) => ctx.ops.batch('create', a, p),
  'order.amend-batch': (ctx, a, p) => ctx.ops.batch('amend', a, p),
  'order.cancel-batch': (ctx, a, p) => ctx.ops.batch('cancel', a, p),
};

export class TradeServer {
  readonly conns = new Set<TradeConn>();
  readonly #ctx: SimContext;
  #counter = 0;

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  accept(ws: WebSocket): void {
    const conn = new TradeConn(ws, 'trade', xidConnId(this.#ctx.rng, ++this.#counter), this.#ctx.counters);
    this.conns.add(conn);
    ws.on('message', (data) => {
      try {
        this.#onMessage(conn, data);
      } catch (err) {
        this.#ctx.logger.warn({ err }, 'trade frame handling failed');
      }
    });
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => ws.terminate());
  }

  #header(limit: LimitStatus | undefined): Record<string, string> {
    const now = String(this.#ctx.clock.now());
    return {
      ...(limit === undefined
        ? {}
        : {
            'X-Bapi-Limit': String(limit.limit),
            'X-Bapi-Limit-Status': String(limit.remaining),
            'X-Bapi-Limit-Reset-Timestamp': String(limit.resetAt),
          }),
      Traceid: traceId(this.#ctx.rng),
      Timenow: now,
    };
  }

  #reply(
    conn: TradeConn,
    reqId: unknown,
    op: string,
    retCode: number,
    retMsg: string,
    rest: { data?: object; retExtInfo?: object; limit?: LimitStatus } = {},
  ): void {
    const body: Record<string, unknown> = reqId === undefined ? {} : { reqId };
    body.retCode = retCode;
    body.retMsg = retMsg;
    body.op = op;
    body.data = rest.data ?? {};
    body.retExtInfo = rest.retExtInfo ?? {};
    body.header = this.#header(rest.limit);
    body.connId = conn.id;
    conn.send(JSON.stringify(body));
  }

  #onMessage(conn: TradeConn, data: Parameters<typeof decode>[0]): void {
    const d = decode(data);
    if (!d.ok) {
      conn.send(JSON.stringify({ retCode: 10001, retMsg: d.error, op: '', connId: conn.id }));
      return;
    }
    const msg = d.msg;
    const reqId = msg.reqId;
    const op = typeof msg.op === 'string' ? msg.op : '';
    if (op === 'ping') {
      conn.send(
        JSON.stringify({
          ...(reqId === undefined ? {} : { reqId }),
          retCode: 0,
          retMsg: 'OK',
          op: 'pong',
          data: [String(this.#ctx.clock.now())],
          connId: conn.id,
        }),
      );
      return;
    }
    if (op === 'auth') return this.#auth(conn, reqId, msg.args);
    const run = OPS[op];
    if (run === undefined) return this.#reply(conn, reqId, op, 10404, `op not found: ${op}`);
    if (conn.account === undefined) return this.#reply(conn, reqId, op, 10003, 'Request not authorized');
    if (reqId !== undefined) {
      const key = typeof reqId === 'string' ? reqId : JSON.stringify(reqId);
      if (key.length > 36)
        return this.#reply(conn, reqId, op, 10001, 'params error: reqId is longer than 36');
      if (conn.reqIds.has(key)) return this.#reply(conn, reqId, op, 20006, 'reqId is duplicate');
      conn.reqIds.add(key);
      if (conn.reqIds.size > REQ_ID_MEMORY) conn.reqIds.delete(conn.reqIds.values().next().value!);
    }
    const header = (typeof msg.header === 'object' && msg.header !== null ? msg.header : {}) as Record<
      string,
      unknown
    >;
    const ts = header['X-BAPI-TIMESTAMP'];
    const recv = header['X-BAPI-RECV-WINDOW'];
    const stale = checkTimestamp(
      typeof ts === 'number' || typeof ts === 'string' ? String(ts) : undefined,
      typeof recv === 'number' || typeof recv === 'string' ? String(recv) : undefined,
      this.#ctx.clock.now(),
    );
    if (stale !== undefined) return this.#reply(conn, reqId, op, stale.retCode, stale.retMsg);
    const args = msg.args;
    const first: unknown = Array.isArray(args) ? args[0] : undefined;
    if (!Array.isArray(args) || args.length !== 1 || typeof first !== 'object' || first === null)
      return this.#reply(conn, reqId, op, 10001, 'params error: args must hold exactly one object');
    const out = run(this.#ctx, conn.account, first as Params);
    this.#reply(conn, reqId, op, out.retCode, out.retMsg, {
      data: out.result,
      retExtInfo: out.retExtInfo,
      limit: out.limit,
    });
  }

  #auth(conn: TradeConn, reqId: unknown, args: unknown): void {
    const reply = (retCode: number, retMsg: string): void =>
      conn.send(
        JSON.stringify({
          ...(reqId === undefined ? {} : { reqId }),
          retCode,
          retMsg,
          op: 'auth',
          connId: conn.id,
        }),
      );
    if (conn.account !== undefined) return reply(20001, 'Repeat auth');
    if (!Array.isArray(args) || args.length < 3) return reply(10001, 'Params Error');
    const [key, rawExpires, signature] = args as unknown[];
    const expires =
      typeof rawExpires === 'number' ? rawExpires : typeof rawExpires === 'string' ? Number(rawExpires) : NaN;
    if (typeof key !== 'string' || typeof signature !== 'string' || !Number.isFinite(expires))
      return reply(10001, 'Params Error');
    if (expires <= this.#ctx.clock.now()) return reply(10001, 'Params Error');
    const account = this.#ctx.exchange.accountByKey(key);
    if (account === undefined) return reply(10003, 'API key is invalid.');
    if (
      !signatureMatches(
        hmacHex(account.apiSecret, `GET/realtime${String(rawExpires)}`),
        signature.toLowerCase(),
      )
    )
      return reply(10004, 'Invalid sign');
    conn.account = account;
    reply(0, 'OK');
  }

  close(): void {
    for (const c of this.conns) c.terminate();
    this.conns.clear();
  }
}
