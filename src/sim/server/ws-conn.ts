/**
 * What the three WebSocket endpoints share: a connection with an id, a send that never throws and
 * cuts off a consumer that stopped reading (a venue does not buffer without bound), and the
 * decoding of client frames, where malformed input gets Bybit's decode error and nothing else.
 */
import type { WebSocket, RawData } from 'ws';
import type { SocketKind } from '../faults/fault-injector.js';

/** A client this far behind is disconnected rather than buffered for. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Totals across every connection of the server (see RunningSimulator.stats). */
export interface WireCounters {
  framesSent: number;
  framesDropped: number;
  slowConsumersCut: number;
}

export const newCounters = (): WireCounters => ({ framesSent: 0, framesDropped: 0, slowConsumersCut: 0 });

export class WsConn {
  /** Frames this connection could not send because it was closing or too slow. */
  dropped = 0;

  constructor(
    readonly ws: WebSocket,
    readonly kind: SocketKind,
    readonly id: string,
    readonly counters: WireCounters = newCounters(),
  ) {}

  get open(): boolean {
    return this.ws.readyState === 1;
  }

  /** Sends one text frame (a string, or a Buffer already holding UTF-8 JSON). */
  send(frame: string | Buffer): void {
    const ws = this.ws;
    if (ws.readyState !== 1) {
      this.dropped++;
      this.counters.framesDropped++;
      return;
    }
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.dropped++;
      this.counters.framesDropped++;
      this.counters.slowConsumersCut++;
      ws.terminate();
      return;
    }
    this.counters.framesSent++;
    if (typeof frame === 'string') ws.send(frame);
    else ws.send(frame, { binary: false });
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export type Decoded =
  | { readonly ok: true; readonly msg: Record<string, unknown> }
  | { readonly ok: false; readonly error: string };

/** Decodes a client frame: a JSON object, or the decode error text Bybit replies with (§4.1). */
export function decode(data: RawData): Decoded {
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const first = text.trimStart().charAt(0) || ' ';
    const head = text.slice(0, 10);
    return {
      ok: false,
      error: `Failed to decode incoming data:readObjectStart: expect { or n, but found ${first}, error found in #1 byte of ...|${head}|..., bigger context ...|${text.slice(0, 40)}|...`,
    };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { ok: false, error: 'Failed to decode incoming data:readObjectStart: expect { or n' };
  return { ok: true, msg: v as Record<string, unknown> };
}

/** Sends one prebuilt frame to many connections, encoding it once. */
export function fanOut(conns: Iterable<WsConn>, json: string, count: number): void {
  if (count === 0) return;
  if (count === 1) {
    for (const c of conns) c.send(json);
    return;
  }
  const buf = Buffer.from(json, 'utf8');
  for (const c of conns) c.send(buf);
}
