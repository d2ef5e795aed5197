/**
 * The three WebSocket endpoints on the HTTP server's port (`ws` in noServer mode): the upgrade is
 * routed by path, anything else gets HTTP 404. `ws` answers RFC 6455 ping frames with pongs by
 * itself, which pybit's heartbeat relies on (§4.3). Also the glue the venue calls: private pushes,
 * trade prints, the fault hooks.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Account } from '../engine/accounts.js';
import type { PrivateBatch } from '../engine/exchange.js';
import type { PublicTrade } from '../engine/types.js';
import type { FaultHooks, SocketKind } from '../faults/fault-injector.js';
import type { SimContext } from './context.js';
import { PublicServer } from './ws-public.js';
import { PrivateServer } from './ws-private.js';
import { TradeServer } from './ws-trade.js';

/** Largest client frame accepted. */
const MAX_PAYLOAD = 1 << 20;

export class WsServers {
  readonly public: PublicServer;
  readonly private: PrivateServer;
  readonly trade: TradeServer;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
  readonly #ctx: SimContext;

  constructor(ctx: SimContext, pushIntervalMs: number) {
    this.#ctx = ctx;
    this.public = new PublicServer(ctx, pushIntervalMs);
    this.private = new PrivateServer(ctx);
    this.trade = new TradeServer(ctx);
    this.#wss.on('error', (err) => ctx.logger.warn({ err }, 'websocket server error'));
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0];
    const target =
      path === '/v5/public/linear'
        ? this.public
        : path === '/v5/private'
          ? this.private
          : path === '/v5/trade'
            ? this.trade
            : undefined;
    if (target === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => target.accept(ws));
  }

  bookU(symbol: string): number {
    return this.public.bookStreams(symbol).find((b) => b.depth === 1000)?.u ?? 0;
  }

  wantsPrivate(account: Account): boolean {
    return this.private.wants(account);
  }

  onPrivate(batch: PrivateBatch): void {
    this.private.push(batch);
  }

  onTrades(symbol: string, trades: readonly PublicTrade[]): void {
    this.public.onTrades(symbol, trades);
  }

  faultHooks(): FaultHooks {
    const servers: Record<SocketKind, { conns: Set<{ terminate(): void }> }> = {
      public: this.public,
      private: this.private,
      trade: this.trade,
    };
    return {
      dropSockets: (kinds) => {
        for (const k of kinds) for (const c of [...servers[k].conns]) c.terminate();
      },
      skipU: (symbol) => {
        for (const b of this.public.bookStreams(symbol)) b.skipNext();
      },
      resetU: (symbol) => {
        for (const b of this.public.bookStreams(symbol)) b.reset();
      },
      restarted: () => {
        for (const a of this.#ctx.exchange.accounts) a.forgetRecentClosed();
      },
    };
  }

  close(): void {
    this.public.close();
    this.private.close();
    this.trade.close();
    this.#wss.close();
  }
}
