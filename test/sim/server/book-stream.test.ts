import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { BookStream, depthIntervalMs } from '../../../src/sim/server/book-stream.js';
import { WsConn } from '../../../src/sim/server/ws-conn.js';
import { harness, seedBook } from '../engine/fixtures.js';

/** A connection whose socket is a stub that records frames. */
function recorder(): { conn: WsConn; frames: Record<string, unknown>[] } {
  const frames: Record<string, unknown>[] = [];
  const ws = {
    readyState: 1,
    bufferedAmount: 0,
    send: (f: string | Buffer) => frames.push(JSON.parse(f.toString()) as Record<string, unknown>),
    terminate: () => undefined,
  } as unknown as WebSocket;
  return { conn: new WsConn(ws, 'public', 'c1'), frames };
}

type Data = { b: string[][]; a: string[][]; u: number };
const data = (m: Record<string, unknown>): Data => m.data as Data;

describe('book stream rules', () => {
  it('scales push periods from the orderbook.50 period', () => {
    expect([1, 50, 200, 1000].map((d) => depthIntervalMs(d as 1, 20))).toEqual([10, 20, 100, 200]);
    expect(depthIntervalMs(1, 1)).toBe(1);
  });

  it('trims to the depth and sends levels pushed out of the window as "0"', () => {
    const h = harness();
    seedBook(h.ex, 3, 10);
    let silenced = false;
    const { conn, frames } = recorder();
    // A 2-level window makes the trimming visible.
    const small = new BookStream(2 as 50, 'BTCUSDT', h.ex, h.clock, 20, () => !silenced);
    small.subscribe(conn);
    expect(frames[0]).toMatchObject({ type: 'snapshot' });
    expect(data(frames[0]!).b).toEqual([
      ['59999.90', '0.010'],
      ['59999.80', '0.010'],
    ]);
    // The ask at 60000.00 goes and a better bid takes its price: 59999.80 leaves the bid window.
    h.ex.setSynth('BTCUSDT', false, 6_000_000, 0);
    h.ex.setSynth('BTCUSDT', true, 6_000_000, 10);
    small.publish();
    const delta = frames[1]!;
    expect(delta.type).toBe('delta');
    expect(data(delta).u).toBe(data(frames[0]!).u + 1);
    expect(data(delta).b).toEqual([
      ['60000.00', '0.010'],
      ['59999.80', '0'],
    ]);
    expect(data(delta).a).toEqual([
      ['60000.00', '0'],
      ['60000.20', '0.010'],
    ]);
    // Nothing changed: nothing sent.
    small.publish();
    expect(frames).toHaveLength(2);
    // A resize carries the absolute size.
    h.ex.setSynth('BTCUSDT', false, 6_000_010, 25);
    small.publish();
    expect(data(frames[2]!).a).toEqual([['60000.10', '0.025']]);
    // While silenced nothing is diffed; the next delta carries everything since.
    silenced = true;
    h.ex.setSynth('BTCUSDT', false, 6_000_010, 30);
    small.publish();
    expect(frames).toHaveLength(3);
    silenced = false;
    small.publish();
    expect(data(frames[3]!)).toMatchObject({ a: [['60000.10', '0.030']], u: data(frames[2]!).u + 1 });
    small.stop();
  });

  it('repeats an unchanged level-1 snapshot every 3 s with the same u, and sends a new u on change', () => {
    const h = harness();
    seedBook(h.ex, 3, 10);
    const l1 = new BookStream(1, 'BTCUSDT', h.ex, h.clock, 10, () => true);
    const { conn, frames } = recorder();
    l1.subscribe(conn);
    const u0 = data(frames[0]!).u;
    h.clock.advanceBy(2_990);
    expect(frames).toHaveLength(1);
    h.clock.advanceBy(20);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toMatchObject({ type: 'snapshot' });
    expect(data(frames[1]!).u).toBe(u0);
    expect(Object.keys(frames[1]!)).toEqual(['topic', 'ts', 'type', 'data', 'cts']);
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 99);
    h.clock.advanceBy(10);
    expect(frames).toHaveLength(3);
    expect(data(frames[2]!)).toMatchObject({
      u: u0 + 1,
      b: [['59999.90', '0.099']],
      a: [['60000.00', '0.010']],
    });
    l1.stop();
  });

  it('gives a late subscriber the last published state so the next delta applies on top', () => {
    const h = harness();
    seedBook(h.ex, 5, 10);
    const st = new BookStream(50, 'BTCUSDT', h.ex, h.clock, 20, () => true);
    const a = recorder();
    st.subscribe(a.conn);
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 50);
    st.publish();
    // The book changes again but is not yet published when b joins.
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 70);
    const b = recorder();
    st.subscribe(b.conn);
    expect(data(b.frames[0]!).u).toBe(data(a.frames[1]!).u);
    expect(data(b.frames[0]!).b[0]).toEqual(['59999.90', '0.050']);
    st.publish();
    expect(data(b.frames[1]!)).toMatchObject({ u: data(a.frames[1]!).u + 1, b: [['59999.90', '0.070']] });
    expect(a.frames[2]).toEqual(b.frames[1]);
    st.stop();
  });

  it('skips a u once on skipNext and restarts at 1 with a snapshot on reset', () => {
    const h = harness();
    seedBook(h.ex, 5, 10);
    const st = new BookStream(50, 'BTCUSDT', h.ex, h.clock, 20, () => true);
    const { conn, frames } = recorder();
    st.subscribe(conn);
    const u0 = data(frames[0]!).u;
    st.skipNext();
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 11);
    st.publish();
    expect(data(frames[1]!).u).toBe(u0 + 2);
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 12);
    st.publish();
    expect(data(frames[2]!).u).toBe(u0 + 3);
    st.reset();
    expect(frames[3]).toMatchObject({ type: 'snapshot' });
    expect(data(frames[3]!).u).toBe(1);
    h.ex.setSynth('BTCUSDT', true, 5_999_990, 13);
    st.publish();
    expect(data(frames[4]!)).toMatchObject({ u: 2 });
    st.stop();
  });
});
