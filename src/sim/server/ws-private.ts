/**
 * The private endpoint /v5/private (docs/bybit-v5-protocol.md §4.6, §6): `auth` with
 * [apiKey, expires, signature] (expires a number or numeric string, in the future), private topics
 * only after auth, no snapshot on subscribe, and pushes in the order the engine reports them with
 * the {id, topic, creationTime, data} envelope. The topic of a push is the name the client
 * subscribed with (`order` or `order.linear`).
 */
import type { WebSocket } from 'ws';
import type { Account } from '../engine/accounts.js';
import type { PrivateBatch } from '../engine/exchange.js';
import { xidConnId } from '../ids.js';
import { walletAccount, wsPosition } from '../wire/account.js';
import { wsExecution } from '../wire/execution.js';
import { wsOrder } from '../wire/order.js';
import type { SimContext } from './context.js';
import { DcpWatch } from './dcp.js';
import { hmacHex, signatureMatches } from './hmac.js';
import { decode, WsConn } from './ws-conn.js';

/** Private topics Bybit accepts; the simulator pushes the linear and all-in-one ones. */
const PRIVATE_TOPICS = new Set([
  'order',
  'execution',
  'execution.fast',
  'position',
  'wallet',
  'greeks',
  'dcp',
  ...['spot', 'linear', 'inverse', 'option'].flatMap((c) => [
    `order.${c}`,
    `execution.${c}`,
    `execution.fast.${c}`,
  ]),
  ...['linear', 'inverse', 'option'].map((c) => `position.${c}`),
  ...['future', 'spot', 'option'].map((c) => `dcp.${c}`),
]);

/** Which subscribed names receive each engine topic. */
const ROUTES: Record<'order' | 'execution' | 'position' | 'wallet', readonly string[]> = {
  order: ['order', 'order.linear'],
  execution: ['execution', 'execution.linear'],
  position: ['position', 'position.linear'],
  wallet: ['wallet'],
};

const familyOf = (topic: string): string =>
  topic.startsWith('execution.fast') ? 'execution.fast' : topic.split('.')[0]!;

class PrivateConn extends WsConn {
  account: Account | undefined;
  readonly topics = new Set<string>();
}

export class PrivateServer {
  readonly conns = new Set<PrivateConn>();
  readonly dcp: DcpWatch;
  readonly #ctx: SimContext;
  #counter = 0;

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
    this.dcp = new DcpWatch(ctx.exchange, ctx.clock);
  }

  accept(ws: WebSocket): void {
    const conn = new PrivateConn(
      ws,
      'private',
      xidConnId(this.#ctx.rng, ++this.#counter),
      this.#ctx.counters,
    );
    this.conns.add(conn);
    ws.on('message', (data) => {
      try {
        this.#onMessage(conn, data);
      } catch (err) {
        this.#ctx.logger.warn({ err }, 'private frame handling failed');
      }
    });
    ws.on('close', () => {
      this.conns.delete(conn);
      if (conn.account !== undefined) this.dcp.disconnected(conn.account);
    });
    ws.on('error', () => ws.terminate());
  }

  #send(conn: PrivateConn, reqId: unknown, body: Record<string, unknown>): void {
    conn.send(JSON.stringify(reqId === undefined ? body : { req_id: reqId, ...body }));
  }

  #onMessage(conn: PrivateConn, data: Parameters<typeof decode>[0]): void {
    const d = decode(data);
    if (!d.ok) {
      this.#send(conn, undefined, { success: false, ret_msg: d.error, op: '', conn_id: conn.id });
      return;
    }
    const msg = d.msg;
    const reqId = msg.req_id;
    const op = msg.op;
    const answer = (success: boolean, retMsg: string, opName: string): void =>
      this.#send(conn, reqId, { success, ret_msg: retMsg, op: opName, conn_id: conn.id });
    switch (op) {
      case 'ping':
        return this.#send(conn, reqId, {
          op: 'pong',
          args: [String(this.#ctx.clock.now())],
          conn_id: conn.id,
        });
      case 'auth':
        return this.#auth(conn, msg.args, answer);
      case 'subscribe':
      case 'unsubscribe': {
        const args = msg.args;
        if (!Array.isArray(args) || args.length === 0) return answer(false, 'error:args is empty', op);
        if (conn.account === undefined) return answer(false, 'Request not authorized', op);
        const topics: string[] = [];
        for (const a of args) {
          if (typeof a !== 'string' || !PRIVATE_TOPICS.has(a))
            return answer(
              false,
              `error:handler not found,topic:${typeof a === 'string' ? a : JSON.stringify(a)}`,
              op,
            );
          topics.push(a);
        }
        if (op === 'unsubscribe') {
          for (const t of topics) conn.topics.delete(t);
          return answer(true, '', op);
        }
        const families = new Map<string, string>();
        for (const t of topics) {
          if (conn.topics.has(t)) return answer(false, `error:already subscribed,topic:${t}`, op);
          const f = familyOf(t);
          const other = families.get(f);
          if (other !== undefined)
            return answer(
              false,
              `error:${other} and ${t} cannot be subscribed in one request,topic:${t}`,
              op,
            );
          families.set(f, t);
        }
        for (const t of topics) {
          conn.topics.add(t);
          if (t === 'dcp' || t === 'dcp.future') this.dcp.subscribed(conn.account);
        }
        return answer(true, '', op);
      }
      default:
        return answer(false, 'error:invalid op', typeof op === 'string' ? op : '');
    }
  }

  #auth(conn: PrivateConn, args: unknown, answer: (ok: boolean, msg: string, op: string) => void): void {
    if (conn.account !== undefined) return answer(false, 'Repeat auth', 'auth');
    if (!Array.isArray(args) || args.length < 3) return answer(false, 'Params Error', 'auth');
    const [key, rawExpires, signature] = args as unknown[];
    const expires =
      typeof rawExpires === 'number' ? rawExpires : typeof rawExpires === 'string' ? Number(rawExpires) : NaN;
    if (typeof key !== 'string' || typeof signature !== 'string' || !Number.isFinite(expires))
      return answer(false, 'Params Error', 'auth');
    if (expires <= this.#ctx.clock.now()) return answer(false, 'Params Error', 'auth');
    const account = this.#ctx.exchange.accountByKey(key);
    if (account === undefined) return answer(false, 'API key is invalid.', 'auth');
    const expected = hmacHex(account.apiSecret, `GET/realtime${String(rawExpires)}`);
    if (!signatureMatches(expected, signature.toLowerCase()))
      return answer(false, 'Signature verification failed', 'auth');
    conn.account = account;
    this.dcp.connected(account);
    answer(true, '', 'auth');
  }

  /** Whether any authenticated socket of the account subscribed to something. */
  wants(account: Account): boolean {
    for (const c of this.conns) if (c.account === account && c.topics.size > 0) return true;
    return false;
  }

  /** Sends an operation's pushes to the account's sockets. */
  push(batch: PrivateBatch): void {
    const targets: PrivateConn[] = [];
    for (const c of this.conns) if (c.account === batch.account && c.topics.size > 0) targets.push(c);
    if (targets.length === 0) return;
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const uid = batch.account.uid;
    for (const item of batch.items) {
      let data: Record<string, unknown>[];
      let id: string;
      let fast: Record<string, unknown>[] | undefined;
      switch (item.topic) {
        case 'order':
          data = item.orders.map((o) => {
            const s = ctx.exchange.symbol(o.symbol)!;
            return wsOrder(o, s.inst, s.factor);
          });
          id = `${uid}_${batch.symbol}_${batch.seq}`;
          break;
        case 'execution':
          data = item.executions.map((e) => wsExecution(e, ctx.exchange.symbol(e.symbol)!.inst));
          fast = data.map((e) => ({
            category: 'linear',
            symbol: e.symbol,
            orderId: e.orderId,
            isMaker: e.isMaker,
            orderLinkId: e.isMaker === true ? '' : e.orderLinkId,
            execId: e.execId,
            execPrice: e.execPrice,
            execQty: e.execQty,
            side: e.side,
            execTime: e.execTime,
            seq: e.seq,
          }));
          id = `${uid}_${batch.symbol}_${batch.seq}`;
          break;
        case 'position':
          data = item.symbols.map((sym) => wsPosition(batch.account, ctx.exchange.symbol(sym)!, now));
          id = `${uid}_position_${now}`;
          break;
        case 'wallet':
          data = [walletAccount(ctx.exchange, batch.account)];
          id = `${uid}_wallet_${now}`;
          break;
      }
      const frames = new Map<string, string>();
      const frameFor = (topic: string): string => {
        let f = frames.get(topic);
        if (f === undefined) {
          f =
            item.topic === 'position' || item.topic === 'wallet'
              ? JSON.stringify({ id, topic, creationTime: now, data })
              : JSON.stringify({ topic, id, creationTime: now, data });
          frames.set(topic, f);
        }
        return f;
      };
      for (const c of targets) {
        for (const name of ROUTES[item.topic]) if (c.topics.has(name)) c.send(frameFor(name));
        if (fast !== undefined)
          for (const name of ['execution.fast', 'execution.fast.linear'])
            if (c.topics.has(name)) c.send(JSON.stringify({ topic: name, creationTime: now, data: fast }));
      }
    }
  }

  close(): void {
    this.dcp.stop();
    for (const c of this.conns) c.terminate();
    this.conns.clear();
  }
}
