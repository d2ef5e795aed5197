/**
 * The status page: plain HTML, CSS and JavaScript files under ./page, served as they are (no
 * build step, no CDN, nothing fetched from elsewhere, so it works offline and behind a firewall).
 * They are read once at start. A strict Content-Security-Policy allows only this origin.
 */
import { readFileSync } from 'node:fs';
import type { RouteHandler } from './metrics-server.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** Serves the page's files for GET and HEAD. */
export function pageRoute(): RouteHandler {
  const bodies = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(FILES))
    bodies.set(path, { body: readFileSync(new URL(`./page/${file}`, import.meta.url)), type });
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const hit = bodies.get(path);
    if (hit === undefined) return false;
    res.writeHead(200, {
      'content-type': hit.type,
      'content-length': hit.body.length,
      'cache-control': 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : hit.body);
    return true;
  };
}
