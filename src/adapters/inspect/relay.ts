/**
 * A loopback-only relay for the Stately inspector (`npm run bot -- --inspect`). The bot sends its
 * inspection events over a WebSocket; a browser on this machine opens the relay's page, which
 * embeds https://stately.ai/inspect and posts each event into it. Unlike the package's own server,
 * this one binds 127.0.0.1 only and keeps every actor registration, so a browser opened late still
 * draws every machine (only the recent events are bounded).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const RECENT = 500;

function page(wsUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>mm-bot machines</title>
<style>html,body,iframe{margin:0;height:100%;width:100%;border:0}</style></head><body>
<iframe id="ui" src="https://stately.ai/inspect"></iframe>
<script>
const ui = document.getElementById('ui'); const pending = []; let ready = false;
addEventListener('message', (e) => { if (e.data && e.data.type === '@statelyai.connected') { ready = true; pending.splice(0).forEach((m) => ui.contentWindow.postMessage(m, '*')); } });
const ws = new WebSocket(${JSON.stringify(wsUrl)});
ws.onmessage = (e) => { const m = JSON.parse(e.data); if (ready) ui.contentWindow.postMessage(m, '*'); else pending.push(m); };
</script></body></html>`;
}

export interface InspectorRelay {
  readonly url: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

export async function startInspectorRelay(port: number): Promise<InspectorRelay> {
  const registrations: string[] = [];
  const recent: string[] = [];
  let wsUrl = '';
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(wsUrl));
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    for (const m of registrations) ws.send(m);
    for (const m of recent) ws.send(m);
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.includes('"@xstate.actor"')) registrations.push(text);
      else {
        recent.push(text);
        if (recent.length > RECENT) recent.shift();
      }
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
