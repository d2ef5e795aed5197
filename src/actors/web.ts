/**
 * The bot's web endpoint: /metrics and /healthz (from the metrics server), /readyz (503 while the
 * book is not live, risk is halted or shutdown has begun) and /status (the bot's own view, JSON).
 * Bound to monitoring.metrics_host (127.0.0.1 by default).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startMetricsServer, type MetricsServer, type RouteHandler } from '../adapters/web/metrics-server.js';
import type { Runtime } from './runtime.js';
import { botStatus } from './status.js';

export interface WebOptions {
  /** Whether shutdown has begun (the root left running). */
  readonly shuttingDown: () => boolean;
  /** Sends an event to one of the root's children by its id ('risk' for a kill-switch reset...). */
  readonly sendToChild: (id: string, event: { type: string }) => boolean;
}

/** Why the bot is not ready to trade, or an empty list when it is. */
export function notReadyReasons(rt: Runtime, shuttingDown: boolean): string[] {
  const reasons: string[] = [];
  if (shuttingDown) reasons.push('shutting_down');
  if (!rt.isStarted) reasons.push('starting');
  else
    for (const s of rt.d.config.symbols) if (!rt.started.market.isLive(s)) reasons.push(`book_not_live:${s}`);
  if (rt.riskState === 'halted') reasons.push('risk_halted');
  return reasons;
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/** The routes beyond /metrics and /healthz. */
export function botRoutes(rt: Runtime, options: WebOptions): RouteHandler[] {
  return [
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET') return false;
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/readyz') {
        const reasons = notReadyReasons(rt, options.shuttingDown());
        json(res, reasons.length === 0 ? 200 : 503, {
          status: reasons.length === 0 ? 'ready' : 'not_ready',
          reasons,
        });
        return true;
      }
      if (path === '/status') {
        json(res, 200, botStatus(rt));
        return true;
      }
      return false;
    },
  ];
}

/** Starts the web endpoint of a runtime. */
export function startWeb(rt: Runtime, options: WebOptions): Promise<MetricsServer> {
  const { config, metrics } = rt.d;
  return startMetricsServer({
    host: config.monitoring.metrics_host,
    port: config.monitoring.metrics_port,
    registry: metrics.registry,
    beforeScrape: () => rt.sample(),
    routes: botRoutes(rt, options),
  });
}
