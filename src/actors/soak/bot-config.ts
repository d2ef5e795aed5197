/**
 * The configuration the bot under soak runs with: the soak's own configuration (strategy, risk,
 * symbols ... exactly as the user set them) pointed at the harness's simulator, with the web
 * endpoint on a free loopback port (the harness reads /readyz, /status and /metrics there), its
 * log in the artifacts folder, and its journal and recordings under it too so the disk cap covers
 * everything the run writes.
 */
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';

/** Where the bot connects and writes. */
export interface BotPlacement {
  readonly urls: { rest: string; wsPublic: string; wsPrivate: string; wsTrade: string };
  readonly metricsPort: number;
  readonly logFile: string;
  readonly artifactsDir: string;
  /** File holding the admin token the harness uses to reset a kill-switch halt ('' for none). */
  readonly adminTokenFile: string;
}

/** The bot's configuration object (written as YAML by the harness). */
export function botConfig(config: Config, p: BotPlacement): Record<string, unknown> {
  return {
    ...config,
    mode: 'external',
    exchange: {
      ...config.exchange,
      rest_url: p.urls.rest,
      ws_public_url: p.urls.wsPublic,
      ws_private_url: p.urls.wsPrivate,
      ws_trade_url: p.urls.wsTrade,
    },
    monitoring: {
      ...config.monitoring,
      enable_prometheus: true,
      metrics_host: '127.0.0.1',
      metrics_port: p.metricsPort,
      status_line: false,
    },
    log: { ...config.log, file: p.logFile },
    web: { ...config.web, admin_token_file: p.adminTokenFile },
    journal: { ...config.journal, data_dir: join(p.artifactsDir, 'journal') },
    recorder: { ...config.recorder, dir: join(p.artifactsDir, 'recordings') },
  };
}
