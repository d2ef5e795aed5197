import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS_PATH, loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-config-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('ships defaults that hold every key of the schema and pass it', () => {
    const raw = parse(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
    expect(configSchema.safeParse(raw).success).toBe(true);
    const c = loadConfig();
    expect(c.mode).toBe('paper');
  });

  it('keeps the original names and defaults of DESIGN §8', () => {
    const c = loadConfig();
    expect(c.strategy.enable_dynamic_spread).toBe(true);
    expect(c.strategy.enable_inventory_skew).toBe(true);
    expect(c.risk.enable_kill_switch).toBe(true);
    expect(c.risk.max_consecutive_losses).toBe(5);
    expect(c.limits.max_active_per_side).toBe(10);
    expect(c.monitoring.enable_prometheus).toBe(true);
    expect(c.monitoring.metrics_port).toBe(8000);
    expect(c.connection_pool.limit).toBe(100);
    expect(c.connection_pool.limit_per_host).toBe(30);
    expect(c.connection_pool.keepalive_timeout).toBe(30.0);
  });

  it('merges a user file holding only what differs', () => {
    const p = write('user.yaml', 'monitoring:\n  metrics_port: 9100\nrisk:\n  max_consecutive_losses: 3\n');
    const c = loadConfig(p);
    expect(c.monitoring.metrics_port).toBe(9100);
    expect(c.monitoring.enable_prometheus).toBe(true);
    expect(c.risk.max_consecutive_losses).toBe(3);
    expect(c.risk.daily_max_loss_usd).toBe(300);
  });

  it('returns a frozen object', () => {
    const c = loadConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.risk)).toBe(true);
  });

  it('names the key, what was expected and what was found', () => {
    const p = write('bad.yaml', 'risk:\n  max_consecutive_losses: "five"\n');
    const [issue] = issuesOf(() => loadConfig(p));
    expect(issue).toEqual({
      key: 'risk.max_consecutive_losses',
      expected: 'a number',
      found: 'the string "five"',
    });
  });

  it('refuses an unknown key by name', () => {
    const p = write('typo.yaml', 'strategy:\n  enable_dynamic_spred: false\n');
    const issues = issuesOf(() => loadConfig(p));
    expect(issues.map((i) => i.key)).toEqual(['strategy.enable_dynamic_spred']);
  });

  it('refuses out-of-range values and cross-key contradictions', () => {
    const p = write(
      'range.yaml',
      'connection_pool:\n  limit: 10\n  limit_per_host: 30\nbook:\n  depth: 500\n',
    );
    const issues = issuesOf(() => loadConfig(p));
    expect(issues.map((i) => i.key)).toEqual(['book.depth']);
    const q = write('cross.yaml', 'connection_pool:\n  limit: 10\n  limit_per_host: 30\n');
    expect(issuesOf(() => loadConfig(q))).toEqual([
      {
        key: 'connection_pool.limit_per_host',
        expected: 'at most connection_pool.limit (10)',
        found: 'number 30',
      },
    ]);
  });

  it('needs exchange URLs outside paper mode', () => {
    const p = write('testnet.yaml', 'mode: testnet\n');
    const keys = issuesOf(() => loadConfig(p)).map((i) => i.key);
    expect(keys).toEqual(['exchange.rest_url', 'exchange.ws_public_url', 'exchange.ws_private_url']);
  });

  it('reports broken YAML with its line', () => {
    const p = write('broken.yaml', 'risk:\n  max_consecutive_losses: [1,\n');
    const [issue] = issuesOf(() => loadConfig(p));
    expect(issue?.key).toBe('(file)');
    expect(issue?.found).toMatch(/line \d+/);
  });

  it('reports a missing file', () => {
    const [issue] = issuesOf(() => loadConfig(join(dir, 'nope.yaml')));
    expect(issue?.found).toMatch(/ENOENT/);
  });
});
