/**
 * A loopback-only relay for the Stately inspector (`npm run bot -- --inspect`). The bot sends its
 * inspection events over a WebSocket; a browser on this machine opens the relay's page, which
 * embeds https://stately.ai/inspect and posts each event into it. Unlike the package's own server,
 * this one binds 127.0.0.1 only and keeps the registration of every live actor, so a browser opened
 * late still draws every machine. Memory stays bounded over a long run: an actor that has finished
 * (each final order machine) is forgotten, the registrations kept are capped, and so are the recent
 * events. The bot refuses --inspect in live mode (src/cli/bot.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const RECENT = 500;
/** Registrations kept for late browsers; beyond this the oldest (after the root's) are dropped. */
const MAX_REGISTRATIONS = 2_000;
const ORIGIN = 'https://stately.ai';

function page(wsUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>mm-bot machines</title>
<style>html,body,iframe{margin:0;height:100%;width:100%;border:0}</style></head><body>
<iframe id="ui" src="${ORIGIN}/inspect"></iframe>
<script>
const ORIGIN = ${JSON.stringify(ORIGIN)};
const ui = document.getElementById('ui'); const pending = []; let ready = false;
const post = (m) => ui.contentWindow.postMessage(m, ORIGIN);
addEventListener('message', (e) => { if (e.origin === ORIGIN && e.data && e.data.type === '@statelyai.connected') { ready = true; pending.splice(0).forEach(post); } });
const ws = new WebSocket(${JSON.stringify(wsUrl)});
ws.onmessage = (e) => { const m = JSON.parse(e.data); if (ready) post(m); else pending.push(m); };
</script></body></html>`;
}

export interface InspectorRelay {
  readonly url: string;
  readonly wsUrl: string;
  /** Actor registrations held for browsers that connect later. */
  registrations(): number;
  close(): Promise<void>;
}

interface Envelope {
  readonly type?: unknown;
  readonly sessionId?: unknown;
  readonly snapshot?: { readonly status?: unknown } | null;
}

const FINISHED: ReadonlySet<unknown> = new Set(['done', 'error', 'stopped']);

function envelope(text: string): Envelope {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

export async function startInspectorRelay(port: number): Promise<InspectorRelay> {
  // By session id, in registration order (a Map keeps it).
  const registrations = new Map<string, string>();
  const recent: string[] = [];
  const keep = (text: string): void => {
    const m = envelope(text);
    const id = typeof m.sessionId === 'string' ? m.sessionId : undefined;
    if (m.type === '@xstate.actor' && id !== undefined) {
      registrations.set(id, text);
      if (registrations.size > MAX_REGISTRATIONS) {
        // The first one is the root: keep it, drop the next oldest.
        const [, second] = registrations.keys();
        if (second !== undefined) registrations.delete(second);
      }
      return;
    }
    if (m.type === '@xstate.snapshot' && id !== undefined && FINISHED.has(m.snapshot?.status)) {
      registrations.delete(id);
      return;
    }
    recent.push(text);
    if (recent.length > RECENT) recent.shift();
  };
  let wsUrl = '';
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(wsUrl));
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    for (const m of registrations.values()) ws.send(m);
    for (const m of recent) ws.send(m);
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      keep(text);
      for (const c of wss.clients) if (c !== ws && c.readyState === WebSocket.OPEN) c.send(text);
    });
    ws.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (http.address() as AddressInfo).port;
  wsUrl = `ws://127.0.0.1:${actual}`;
  return {
    url: `http://127.0.0.1:${actual}`,
    wsUrl,
    registrations: () => registrations.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
