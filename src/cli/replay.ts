/**
 * `npm run replay -- <recording>`: runs a recorded session again through the bot's own actor
 * system on a simulated clock (src/actors/replay) and writes the bot's decisions as JSONL to --out
 * or standard output. Two replays of one recording write the same bytes. A summary (speed,
 * lines, divergences) goes to standard error.
 *
 * Exit codes: 0 replayed; 2 bad usage, an unreadable recording or configuration, or (with
 * --strict) a corrupt line; 1 anything else.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { createLogger } from '../adapters/log/logger.js';
import { RecordingError, RecordingLineError } from '../adapters/recorder/reader.js';
import { replay } from '../actors/replay/run.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS = {
  out: { type: 'string', value: 'FILE', help: 'write the decisions log here (default: standard output)' },
  strict: { type: 'boolean', help: 'stop with exit code 2 at the first corrupt or truncated line' },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'a YAML file merged over the recorded configuration (try a change on a recorded market)',
  },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    help: "the bot's log level on standard error (default: silent)",
  },
  quiet: { type: 'boolean', help: 'no summary on standard error' },
  help: { type: 'boolean', help: 'show this help' },
} satisfies Record<string, FlagSpec>;

const SUMMARY =
  'Replays a recorded session (a directory under data/recordings/, or one of its files) through the\n' +
  "bot's actor system on a simulated clock, and writes the bot's decisions as JSONL.";
const COMMAND = 'npm run replay -- <recording>';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Collects lines into large writes: a line per write would dominate a fast replay. */
class Output {
  #chunks: string[] = [];
  #size = 0;
  constructor(readonly stream: NodeJS.WritableStream) {}
  line = (l: string): void => {
    this.#chunks.push(l);
    this.#size += l.length;
    if (this.#size >= 1 << 20) this.flush();
  };
  flush(): void {
    if (this.#chunks.length === 0) return;
    this.stream.write(this.#chunks.join(''));
    this.#chunks = [];
    this.#size = 0;
  }
  async end(): Promise<void> {
    this.flush();
    if (this.stream === process.stdout) return;
    await new Promise<void>((resolve, reject) => {
      (this.stream as WriteStream).on('error', reject);
      (this.stream as WriteStream).end(resolve);
    });
  }
}

async function main(argv: readonly string[]): Promise<void> {
  let flags;
  try {
    flags = parseFlags(argv, FLAGS);
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n\n${usage(COMMAND, SUMMARY, FLAGS)}`, 2);
    throw e;
  }
  if (flags.help === true) {
    process.stdout.write(usage(COMMAND, SUMMARY, FLAGS));
    return;
  }
  const [recording, ...extra] = flags.positionals;
  if (recording === undefined || extra.length > 0)
    fail(`expected one recording, found ${flags.positionals.length}\n\n${usage(COMMAND, SUMMARY, FLAGS)}`, 2);

  let override: unknown;
  if (flags.config !== undefined) {
    try {
      override = parseYaml(readFileSync(flags.config, 'utf8')) as unknown;
    } catch (e) {
      fail(`--config ${flags.config}: ${(e as Error).message.split('\n')[0]}`, 2);
    }
  }
  const level = flags['log-level'] ?? 'silent';
  if (!['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(level))
    fail(`--log-level: expected silent, fatal, error, warn, info, debug or trace, found ${level}`, 2);
  const logger = createLogger({ level, stream: process.stderr });

  const out = new Output(flags.out === undefined ? process.stdout : createWriteStream(flags.out));
  try {
    const s = await replay({
      recording,
      out: out.line,
      strict: flags.strict === true,
      onBadLine: (e) => process.stderr.write(`${e.message}${flags.strict === true ? '' : ' (skipped)'}\n`),
      ...(override === undefined ? {} : { configOverride: override }),
      logger,
    });
    await out.end();
    if (flags.quiet !== true) {
      const sim = s.simulatedMs / 1000;
      const wall = s.wallMs / 1000;
      process.stderr.write(
        `replayed ${s.session}: ${sim.toFixed(1)} s of session in ${wall.toFixed(2)} s ` +
          `(${Math.round(s.simulatedMs / Math.max(1, s.wallMs))}x real time; CPU ${(s.cpuMs / 1000).toFixed(2)} s, ` +
          `${Math.round(s.simulatedMs / Math.max(1, s.cpuMs))}x); ${s.lines} lines, ` +
          `${s.badLines} skipped, ${s.decisions} decisions, ${s.divergences} divergences; ` +
          `ended by ${s.end === 'shutdown' ? `the recorded shutdown (exit code ${String(s.exitCode)})` : 'the end of the recording'}\n`,
      );
    }
  } catch (e) {
    await out.end().catch(() => undefined);
    if (e instanceof RecordingLineError) fail(`${e.message} (--strict: stopping)`, 2);
    if (e instanceof RecordingError || e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`replay failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
