/**
 * The container files without a Docker engine: the image runs what `npm run bot` runs, as a
 * non-root user, with only production dependencies (and every package the bot imports is one);
 * compose declares the secrets as Docker secrets passed as *_FILE, binds every published port to
 * loopback, and its services, volumes and bind mounts all resolve.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS_PATH, mergeConfig, validateConfig } from '../../src/config/load.js';
import { ROOT, readText, readYaml } from './monitoring-files.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  configs?: { source: string; target: string }[];
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { content: string }>;
  volumes: Record<string, unknown>;
}

const compose = readYaml('docker-compose.yml') as Compose;
const pkg = JSON.parse(readText('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  return readText('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** The bot's configuration inside compose, merged over the defaults and validated. */
function composedBotConfig() {
  const content = compose.configs['bot_config']!.content;
  const defaults = parse(readFileSync(DEFAULTS_PATH, 'utf8')) as unknown;
  return validateConfig(mergeConfig(defaults, parse(content)), 'docker-compose.yml configs.bot_config');
}

describe('Dockerfile', () => {
  const ins = dockerfile();

  it('is multi-stage and installs production dependencies only, from the lockfile', () => {
    expect(ins.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(2);
    const install = ins.filter((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args));
    expect(install).toHaveLength(1);
    expect(install[0]!.args).toMatch(/npm ci --omit=dev/);
    // The runtime stage copies node_modules from the dependency stage rather than installing.
    expect(ins.some((i) => i.op === 'COPY' && /--from=deps .*node_modules/.test(i.args))).toBe(true);
  });

  it('runs as a non-root user, with a health check on /healthz of the metrics port', () => {
    const users = ins.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    const health = ins.find((i) => i.op === 'HEALTHCHECK');
    expect(health?.args).toMatch(/127\.0\.0\.1:8000\/healthz/);
    expect(ins.find((i) => i.op === 'EXPOSE')?.args).toBe('8000');
  });

  it('runs exactly what `npm run bot` runs', () => {
    const entry = JSON.parse(ins.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
    const cmd = JSON.parse(ins.find((i) => i.op === 'CMD')!.args) as string[];
    expect([...entry, ...cmd].join(' ')).toBe(pkg.scripts['bot']);
    // Everything that command reads is copied into the image.
    for (const dir of ['src', 'config'])
      expect(ins.some((i) => i.op === 'COPY' && new RegExp(`\\b${dir} \\./${dir}$`).test(i.args))).toBe(true);
  });

  it('keeps every package the bot imports, tsx included, in the production dependencies', () => {
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(
            /(?:from|import)\s*\(?\s*'((?:@[a-z0-9-]+\/)?[a-z0-9][^']*)'/g,
          )) {
            const spec = m[1]!;
            if (spec.startsWith('node:')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
      }
    };
    walk(join(ROOT, 'src'));
    expect(imported.size).toBeGreaterThan(5);
    const production = Object.keys(pkg.dependencies);
    expect([...imported].filter((name) => !production.includes(name))).toEqual([]);
    expect(production).toContain('tsx');
  });

  it('leaves secrets, data and the git history out of the build context', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['.git', 'node_modules', 'secrets', 'data', '.env']) expect(ignored).toContain(p);
  });
});

describe('docker-compose.yml', () => {
  it('runs the bot, prometheus, grafana and postgres', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'grafana', 'postgres', 'prometheus']);
    expect(compose.services['bot']!.build).toBe('.');
  });

  it('declares the secrets as Docker secrets from files and passes them as *_FILE', () => {
    for (const name of ['bybit_api_key', 'bybit_api_secret', 'postgres_password'])
      expect(compose.secrets[name]).toEqual({ file: `./secrets/${name}` });
    const bot = compose.services['bot']!;
    expect(bot.environment).toMatchObject({
      BYBIT_API_KEY_FILE: '/run/secrets/bybit_api_key',
      BYBIT_API_SECRET_FILE: '/run/secrets/bybit_api_secret',
      POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password',
    });
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        // A variable naming a secret must point at a file the service mounts, never hold a value.
        if (/(PASSWORD|SECRET|TOKEN|API_KEY)/.test(key)) {
          expect(key, `${name}.${key}`).toMatch(/_FILE$/);
          const secret = /^\/run\/secrets\/(\w+)$/.exec(value)?.[1];
          expect(secret, `${name}.${key}`).toBeDefined();
          expect(svc.secrets, `${name}.${key}`).toContain(secret);
        }
      }
      for (const s of svc.secrets ?? []) expect(compose.secrets, `${name} uses ${s}`).toHaveProperty(s);
    }
  });

  it('publishes every port on 127.0.0.1 only, and the bot on its metrics port', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, p: String(p) })),
    );
    expect(published.length).toBeGreaterThanOrEqual(3);
    for (const { name, p } of published) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    const config = composedBotConfig();
    expect(compose.services['bot']!.ports).toEqual([
      `127.0.0.1:${config.monitoring.metrics_port}:${config.monitoring.metrics_port}`,
    ]);
    // Inside the container the bot must listen beyond loopback for the port mapping and Prometheus.
    expect(config.monitoring.metrics_host).toBe('0.0.0.0');
    expect(config.monitoring.enable_prometheus).toBe(true);
  });

  it('gives the bot a valid configuration: testnet, the journal on postgres, the admin token as a secret', () => {
    const config = composedBotConfig();
    expect(config.mode).toBe('testnet');
    expect(config.exchange.rest_url).toMatch(/testnet/);
    expect(config.journal.url).toBe('postgres://mm@postgres:5432/mm');
    expect(config.web.admin_token_file).toBe('/run/secrets/admin_token');
    expect(compose.services['bot']!.secrets).toContain('admin_token');
    expect(compose.services['bot']!.command).toEqual([
      '--config',
      compose.services['bot']!.configs![0]!.target,
    ]);
    // docker stop must wait for the orderly shutdown: the bot's deadline plus its 10 s margin.
    const grace = Number(/^(\d+)s$/.exec(compose.services['bot']!.stop_grace_period!)![1]);
    expect(grace * 1000).toBeGreaterThanOrEqual(config.shutdown.deadline_ms + 10_000);
  });

  it('references only services, volumes and paths that exist', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(compose.services, `${name} depends on ${d}`).toHaveProperty(d);
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${v}`).toBe(true);
        else expect(compose.volumes, `${name}: ${v}`).toHaveProperty(source);
      }
      for (const c of s.configs ?? []) expect(compose.configs).toHaveProperty(c.source);
      if (name !== 'bot') expect(s.image, name).toMatch(/:[\w.-]+$/);
    }
  });
});
