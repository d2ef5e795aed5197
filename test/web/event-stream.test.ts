/**
 * Server-sent events on a real loopback server, with the interval driven by a simulated clock: the
 * first payload on connect, one per interval after, a cap on clients, and every stream ended when
 * the web endpoint closes.
 */
import { request, type IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventStream } from '../../src/adapters/web/event-stream.js';
import { startMetricsServer, type MetricsServer } from '../../src/adapters/web/metrics-server.js';
import { SimClock } from '../../src/domain/clock.js';

let server: MetricsServer | undefined;
let stream: EventStream | undefined;
afterEach(async () => {
  stream?.close();
  await server?.close();
  server = undefined;
  stream = undefined;
});

async function serve(maxClients = 2) {
  const clock = new SimClock(0);
  let n = 0;
  const counts: number[] = [];
  stream = new EventStream({
    clock,
    intervalMs: 1_000,
    maxClients,
    event: 'status',
    payload: () => JSON.stringify({ n: ++n, text: 'line one\nline two' }),
    onClients: (c) => counts.push(c),
  });
  const s = stream;
  server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    routes: [
      (req, res) => {
        if (req.url !== '/events') return false;
        s.accept(req, res);
        return true;
      },
    ],
  });
  return { clock, counts, url: `${server.url}/events` };
}

/** Opens an event stream and collects its events as they arrive. */
function listen(url: string) {
  const events: { id: string; event: string; data: unknown }[] = [];
  let text = '';
  let res: IncomingMessage | undefined;
  let ended = false;
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        text += chunk;
        let i: number;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const fields: Record<string, string> = Object.fromEntries(
            block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          const { id, event, data } = fields;
          if (id !== undefined && event !== undefined && data !== undefined)
            events.push({ id, event, data: JSON.parse(data) });
        }
      });
      r.on('end', () => (ended = true));
      r.on('close', () => (ended = true));
      resolve(r);
    });
    req.on('error', reject);
    req.end();
  });
  return { events, opened, ended: () => ended, close: () => res?.destroy() };
}

describe('event stream', () => {
  it('sends the status at once, then once per interval, as single-line JSON', async () => {
    const { clock, url } = await serve();
    const a = listen(url);
    const res = await a.opened;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    await vi.waitFor(() => expect(a.events).toHaveLength(1));
    expect(a.events[0]).toEqual({ id: '1', event: 'status', data: { n: 1, text: 'line one\nline two' } });
    clock.advanceBy(999);
    clock.advanceBy(1);
    await vi.waitFor(() => expect(a.events).toHaveLength(2));
    expect(a.events[1]!.data).toMatchObject({ n: 2 });
  });

  it('builds one payload per interval for all clients, and none while nobody listens', async () => {
    const { clock, url, counts } = await serve();
    const a = listen(url);
    const b = listen(url);
    await vi.waitFor(() => expect(a.events.length + b.events.length).toBe(2));
    clock.advanceBy(1_000);
    await vi.waitFor(() => expect([a.events.length, b.events.length]).toEqual([2, 2]));
    // Both got the same tick's payload (built once).
    expect(a.events[1]!.data).toEqual(b.events[1]!.data);
    a.close();
    b.close();
    await vi.waitFor(() => expect(stream!.clients).toBe(0));
    expect(counts.at(-1)).toBe(0);
    clock.advanceBy(10_000);
    const c = listen(url);
    await vi.waitFor(() => expect(c.events).toHaveLength(1));
    // Ticks with no listener built nothing: the new client's payload is the 4th ever built.
    expect(c.events[0]!.data).toMatchObject({ n: 4 });
  });

  it('refuses clients past the cap with 503 and ends every stream when closed', async () => {
    const { url } = await serve(1);
    const a = listen(url);
    await vi.waitFor(() => expect(a.events).toHaveLength(1));
    const refused = await fetch(url);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/web\.max_page_clients is 1/);
    stream!.close();
    await vi.waitFor(() => expect(a.ended()).toBe(true));
    expect((await fetch(url)).status).toBe(503);
  });
});
