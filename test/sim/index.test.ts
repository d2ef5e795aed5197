import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SimClock } from '../../src/domain/clock.js';
import { simOptionsFromConfig, startSimulator } from '../../src/sim/index.js';
import { call, T0 } from './helpers.js';

describe('simulator entry point', () => {
  it('maps the sim section of the configuration', () => {
    const config = loadConfig();
    const clock = new SimClock(T0);
    const o = simOptionsFromConfig(config.sim, clock);
    expect(o).toMatchObject({
      host: config.sim.host,
      port: config.sim.port,
      seed: config.sim.seed,
      symbols: config.sim.symbols,
      startPrices: config.sim.start_prices,
      pushIntervalMs: config.sim.push_interval_ms,
      volatility: config.sim.volatility,
      takerRatePerS: config.sim.taker_rate_per_s,
      makerFeeRate: config.sim.maker_fee_rate,
      takerFeeRate: config.sim.taker_fee_rate,
      initialBalanceUsdt: config.sim.initial_balance_usdt,
      rateLimitPerS: config.sim.rate_limit_per_s,
      faults: { enabled: config.sim.faults.enabled, schedule: config.sim.faults.schedule },
    });
    expect(o.clock).toBe(clock);
  });

  it('starts from the configuration with generated credentials and runs the fault schedule', async () => {
    const config = loadConfig();
    const clock = new SimClock(T0);
    const sim = await startSimulator({
      ...simOptionsFromConfig(config.sim, clock),
      faults: { enabled: true, schedule: [{ kind: 'rest_5xx', every_s: 60, first_at_s: 1, count: 1 }] },
    });
    try {
      expect(sim.accounts).toHaveLength(1);
      expect(sim.accounts[0]!.apiKey).toMatch(/^[A-Za-z0-9]{18}$/);
      expect(sim.urls.rest).toBe(`http://127.0.0.1:${sim.port}`);
      const t = { sim, clock };
      expect((await call(t, 'GET', '/v5/market/time', {}, { unsigned: true })).status).toBe(200);
      clock.advanceBy(1_000);
      expect((await call(t, 'GET', '/v5/market/time', {}, { unsigned: true })).status).toBe(502);
      const key = sim.accounts[0]!.apiKey;
      const secret = sim.accounts[0]!.apiSecret;
      const pos = await call(
        t,
        'GET',
        '/v5/position/list',
        { category: 'linear', symbol: 'BTCUSDT' },
        { key, secret },
      );
      expect(pos.json.retCode).toBe(0);
      expect(sim.exchange.wallet(key)).toMatchObject({
        totalWalletBalance: String(config.sim.initial_balance_usdt),
      });
      expect(sim.exchange.bookTop('BTCUSDT')).toBeDefined();
    } finally {
      await sim.close();
    }
  });

  it('refuses symbols it has no instrument for', async () => {
    const base = simOptionsFromConfig(loadConfig().sim, new SimClock(T0));
    await expect(
      startSimulator({ ...base, symbols: ['NOPEUSDT'], startPrices: { NOPEUSDT: 1 } }),
    ).rejects.toThrow(/no instrument spec for NOPEUSDT/);
  });
});
