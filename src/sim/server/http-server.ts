/**
 * The one HTTP server of the simulator: REST under /v5/... and the WebSocket upgrades on the same
 * port. Request bodies are read raw (the signature covers the exact bytes) and capped; REST faults
 * (5xx, added latency, the restart window) are applied here, before routing. Nothing a client
 * sends can throw out of a handler: an unexpected error becomes retCode 10016.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SimContext } from './context.js';
import { routeRest, type HttpReply } from './rest-router.js';

/** Largest request body accepted (a 20-order batch is a few KB). */
const MAX_BODY_BYTES = 1 << 20;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

function send(res: ServerResponse, reply: HttpReply): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

function plain(status: number, text: string): HttpReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text };
}

function handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  let reply: HttpReply;
  try {
    reply = routeRest(ctx, req.method ?? 'GET', path, rawQuery, req.headers, body);
  } catch (err) {
    ctx.logger.error({ err, path }, 'rest handler failed');
    const now = ctx.clock.now();
    reply = {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        retCode: 10016,
        retMsg: 'System error. Please try again later.',
        result: {},
        retExtInfo: {},
        time: now,
      }),
    };
  }
  send(res, reply);
}

function onRequest(ctx: SimContext, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) tooBig = true;
    else chunks.push(c);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (tooBig) return send(res, plain(413, 'request body too large'));
    if (ctx.faults.isDown()) return send(res, plain(503, 'Service Unavailable'));
    const status = ctx.faults.takeRest5xx();
    if (status !== undefined)
      return send(
        res,
        plain(
          status,
          status === 502 ? '<html><body><h1>502 Bad Gateway</h1></body></html>' : 'Service Unavailable',
        ),
      );
    const body = Buffer.concat(chunks).toString('utf8');
    const delay = ctx.faults.takeRestDelay();
    if (delay > 0) ctx.clock.setTimeout(() => handle(ctx, req, res, body), delay);
    else handle(ctx, req, res, body);
  });
}

/** Starts the HTTP server; resolves once it listens. */
export async function startHttpServer(
  ctx: SimContext,
  host: string,
  port: number,
  onUpgrade: UpgradeHandler,
): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000 }, (req, res) =>
    onRequest(ctx, req, res),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (ctx.faults.isDown()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      ctx.logger.error({ err }, 'upgrade failed');
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
