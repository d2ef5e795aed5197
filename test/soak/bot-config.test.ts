import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { botConfig } from '../../src/actors/soak/bot-config.js';

describe('the configuration of the bot under soak', () => {
  it('keeps the strategy and risk settings, points the bot at the simulator and writes under the artifacts', () => {
    const config = loadConfig(undefined, {
      risk: { max_consecutive_losses: 7 },
      strategy: { levels_per_side: 2 },
    });
    const out = botConfig(config, {
      urls: {
        rest: 'http://127.0.0.1:1',
        wsPublic: 'ws://127.0.0.1:1/p',
        wsPrivate: 'ws://127.0.0.1:1/q',
        wsTrade: 'ws://127.0.0.1:1/t',
      },
      metricsPort: 4567,
      logFile: 'artifacts/soak/bot.x.log',
      artifactsDir: 'artifacts/soak',
      adminTokenFile: 'artifacts/soak/admin-token',
    });
    const c = validateConfig(out, 'test');
    expect(c.mode).toBe('external');
    expect(c.exchange.rest_url).toBe('http://127.0.0.1:1');
    expect(c.exchange.ws_trade_url).toBe('ws://127.0.0.1:1/t');
    expect(c.monitoring).toMatchObject({
      enable_prometheus: true,
      metrics_host: '127.0.0.1',
      metrics_port: 4567,
      status_line: false,
    });
    expect(c.log.file).toBe('artifacts/soak/bot.x.log');
    expect(c.web.admin_token_file).toBe('artifacts/soak/admin-token');
    expect(c.journal.data_dir).toMatch(/^artifacts[\\/]soak[\\/]journal$/);
    expect(c.risk.max_consecutive_losses).toBe(7);
    expect(c.strategy.levels_per_side).toBe(2);
  });
});
