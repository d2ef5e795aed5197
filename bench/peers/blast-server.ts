/**
 * A Bybit v5 public WebSocket endpoint that plays a recorded simulator stream as fast as the
 * client reads it, so that the client is the bottleneck: it answers subscribe and ping as the
 * simulator does, then sends the frames `reps` times over (each pass starts with the snapshot,
 * which resets any book). Sends are batched per event-loop turn and stop while more than HIGH_WATER
 * bytes wait in the socket, which keeps a heartbeat's reply close behind the data (bybit-api gives
 * a pong one second).
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

const HIGH_WATER = 256 * 1024;
const PER_TURN = 256;

/** A running endpoint. */
export interface BlastServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the endpoint on an ephemeral loopback port. */
export async function startBlastServer(frames: readonly string[], reps: number): Promise<BlastServer> {
  const encoded = frames.map((f) => Buffer.from(f, 'utf8'));
  const total = frames.length * reps;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let conns = 0;
  wss.on('connection', (ws: WebSocket) => {
    const connId = `blast-${++conns}`;
    let sent = -1;
    const pump = (): void => {
      if (ws.readyState !== ws.OPEN || sent >= total) return;
      const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
      socket.cork();
      for (let k = 0; k < PER_TURN && sent < total && ws.bufferedAmount < HIGH_WATER; k++) {
        ws.send(encoded[sent % encoded.length]!, { binary: false });
        sent++;
      }
      socket.uncork();
      if (sent < total) {
        if (ws.bufferedAmount >= HIGH_WATER) setTimeout(pump, 1);
        else setImmediate(pump);
      }
    };
    ws.on('message', (data: Buffer) => {
      let msg: { op?: unknown; req_id?: unknown };
      try {
        msg = JSON.parse(data.toString()) as typeof msg;
      } catch {
        return;
      }
      const reply = (op: string, retMsg: string): void =>
        ws.send(
          JSON.stringify({ success: true, ret_msg: retMsg, conn_id: connId, req_id: msg.req_id ?? '', op }),
        );
      if (msg.op === 'ping') reply('ping', 'pong');
      else if (msg.op === 'subscribe') {
        reply('subscribe', '');
        if (sent < 0) {
          sent = 0;
          setImmediate(pump);
        }
      } else if (msg.op === 'unsubscribe') reply('unsubscribe', '');
    });
    ws.on('error', () => ws.terminate());
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/v5/public/linear`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
