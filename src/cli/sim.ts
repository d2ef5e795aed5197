/**
 * `npm run sim`: the exchange simulator alone, on the wall clock, for any Bybit v5 client. It loads
 * the configuration (the `sim` section), applies the flags, prints the four URLs and the accepted
 * credentials (generated from the seed when none are given), and runs until SIGINT or SIGTERM,
 * which close it and exit 0. Bad flags or configuration exit 2 with a message naming the problem.
 */
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { wallClock } from '../adapters/clock.js';
import { createLogger } from '../adapters/log/logger.js';
import { simOptionsFromConfig, startSimulator } from '../sim/index.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a YAML file merged over config/config.yaml (its sim section)',
  },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default sim.host, 127.0.0.1)' },
  port: { type: 'string', value: 'N', help: 'port to listen on, 0 for any free port (default sim.port)' },
  seed: {
    type: 'string',
    value: 'N',
    help: 'seed of the market and of generated credentials (default sim.seed)',
  },
  'api-key': { type: 'string', value: 'KEY', help: 'API key the simulator accepts (with --api-secret)' },
  'api-secret': { type: 'string', value: 'SECRET', help: 'API secret of that key (with --api-key)' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Runs the embedded Bybit v5 exchange simulator (REST, WS public/private/trade on one port).\n' +
  'Without --api-key/--api-secret it generates a key pair from the seed and prints it.';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function intFlag(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, was ${JSON.stringify(raw)}`);
  return v;
}

async function main(argv: readonly string[]): Promise<void> {
  let flags;
  try {
    flags = parseFlags(argv, FLAGS);
    if (flags.help === true) {
      process.stdout.write(usage('npm run sim --', SUMMARY, FLAGS));
      process.exit(0);
    }
    if (flags.positionals.length > 0) throw new UsageError(`unexpected argument ${flags.positionals[0]!}`);
    if ((flags['api-key'] === undefined) !== (flags['api-secret'] === undefined))
      throw new UsageError('--api-key and --api-secret go together');
  } catch (e) {
    if (e instanceof UsageError) fail(`sim: ${e.message}\n\n${usage('npm run sim --', SUMMARY, FLAGS)}`, 2);
    throw e;
  }
  let port: number | undefined;
  let seed: number | undefined;
  try {
    port = intFlag('port', flags.port, 0, 65_535);
    seed = intFlag('seed', flags.seed, 0, 2 ** 31 - 1);
  } catch (e) {
    fail(`sim: ${(e as Error).message}`, 2);
  }
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    fail(`sim: cannot load configuration: ${(e as Error).message}`, 2);
  }
  const logger = createLogger({ level: config.log.level, file: config.log.file }).child({ component: 'sim' });
  const options = simOptionsFromConfig(config.sim, wallClock, logger);
  const key = flags['api-key'];
  const secret = flags['api-secret'];
  const sim = await startSimulator({
    ...options,
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(port === undefined ? {} : { port }),
    ...(seed === undefined ? {} : { seed }),
    ...(key !== undefined && secret !== undefined ? { accounts: [{ apiKey: key, apiSecret: secret }] } : {}),
  });
  // Handlers first: whoever reads the banner may signal at once.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'simulator stopping');
    void sim.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const account = sim.accounts[0]!;
  process.stdout.write(
    [
      `Bybit v5 simulator listening (symbols ${options.symbols.join(', ')})`,
      `  REST        ${sim.urls.rest}`,
      `  WS public   ${sim.urls.wsPublic}`,
      `  WS private  ${sim.urls.wsPrivate}`,
      `  WS trade    ${sim.urls.wsTrade}`,
      `  API key     ${account.apiKey}`,
      `  API secret  ${account.apiSecret}${key === undefined ? '   (generated from the seed)' : ''}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`sim: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
