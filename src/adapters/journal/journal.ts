/**
 * The trade journal as the bot sees it (a TradeLog): every call returns at once and never throws;
 * records wait in a bounded queue and go to the database in batches, one write in flight at a
 * time. A database that is down or slow never holds up trading: opening (with its migrations) and
 * writes are retried every journal.retry_ms while records keep queuing; past journal.queue_max new
 * records are dropped and counted (mm_journal_dropped_writes_total{reason="queue_full"}), as are
 * those still queued when the bot closes the journal (reason="closed").
 */
import type { Clock, TimerId } from '../../domain/clock.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { loadSecret } from '../secrets/load.js';
import type { FillRecord, OrderRecord, PnlRecord, RunRecord, TradeLog } from './records.js';
import { JournalStore, type JournalTarget, type JournalWrite } from './store.js';

export interface JournalOptions {
  readonly target: JournalTarget;
  readonly schema: string;
  readonly queueMax: number;
  readonly retryMs: number;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Records per transaction (default 500). */
  readonly batchSize?: number;
}

/** At most one error line per this many ms while the database stays down. */
const ERROR_LOG_EVERY_MS = 30_000;

export class Journal implements TradeLog {
  readonly #o: JournalOptions;
  readonly #batch: number;
  #queue: JournalWrite[] = [];
  #runId = '';
  #store: JournalStore | undefined;
  #work: Promise<void> | undefined;
  /** The retry timer, boxed (a TimerId may be any value). */
  #retry: { readonly id: TimerId } | undefined;
  #closed = false;
  /** Settles once the database is closed (after close(); a later close() waits for it). */
  #released: Promise<void> = Promise.resolve();
  #failing = false;
  #lastErrorLog = Number.NEGATIVE_INFINITY;

  constructor(options: JournalOptions) {
    this.#o = options;
    this.#batch = options.batchSize ?? 500;
  }

  /** Records waiting for the database. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The open store (tests read it back through store.db). */
  get store(): JournalStore | undefined {
    return this.#store;
  }

  /** Opens the database now rather than at the first record; resolves either way. */
  start(): Promise<void> {
    this.#kick();
    return this.#work ?? Promise.resolve();
  }

  run(r: RunRecord): void {
    this.#runId = r.runId;
    this.#push({ table: 'runs', row: r });
  }

  order(o: OrderRecord): void {
    this.#push({ table: 'orders', row: o, runId: this.#runId });
  }

  fill(f: FillRecord): void {
    this.#push({ table: 'fills', row: f, runId: this.#runId });
  }

  pnl(snapshots: readonly PnlRecord[]): void {
    for (const s of snapshots) this.#push({ table: 'pnl_snapshots', row: s, runId: this.#runId });
  }

  #push(w: JournalWrite): void {
    const m = this.#o.metrics;
    if (this.#closed) {
      m.journalDroppedWrites.inc({ reason: 'closed' });
      return;
    }
    if (this.#queue.length >= this.#o.queueMax) {
      m.journalDroppedWrites.inc({ reason: 'queue_full' });
      return;
    }
    this.#queue.push(w);
    m.journalQueued.set(this.#queue.length);
    this.#kick();
  }

  /** Starts the writer unless it runs or waits to retry. */
  #kick(): void {
    if (this.#work !== undefined || this.#retry !== undefined) return;
    this.#work = this.#drain().finally(() => {
      this.#work = undefined;
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      try {
        this.#store ??= await JournalStore.open(this.#o.target, this.#o.schema);
        if (this.#queue.length === 0) return;
        const batch = this.#queue.slice(0, this.#batch);
        const counts = await this.#store.write(batch);
        this.#queue.splice(0, batch.length);
        this.#o.metrics.journalQueued.set(this.#queue.length);
        for (const [table, n] of Object.entries(counts)) this.#o.metrics.journalWrites.inc({ table }, n);
        if (this.#failing) {
          this.#failing = false;
          this.#o.logger.info({ queued: this.#queue.length }, 'journal writes resumed');
        }
      } catch (err) {
        this.#o.metrics.journalWriteErrors.inc();
        this.#failing = true;
        const now = performance.now();
        if (now - this.#lastErrorLog >= ERROR_LOG_EVERY_MS) {
          this.#lastErrorLog = now;
          this.#o.logger.error(
            { err, queued: this.#queue.length, retryMs: this.#o.retryMs },
            'journal unavailable; writes queued and retried, trading goes on',
          );
        }
        if (this.#closed) return;
        this.#retry = {
          id: this.#o.clock.setTimeout(() => {
            this.#retry = undefined;
            this.#kick();
          }, this.#o.retryMs),
        };
        return;
      }
    }
  }

  /**
   * Writes what is queued and closes the database, within `timeoutMs`; what could not be written
   * by then is counted as dropped (reason "closed"). Resolves whatever happens. Called again (the
   * shutdown's flush step, then the process's exit path), it waits up to `timeoutMs` for the
   * database the first call left closing, so that whoever reopens the directory finds it free.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) {
      await settlesWithin(this.#released, timeoutMs);
      return;
    }
    this.#closed = true;
    if (this.#retry !== undefined) {
      this.#o.clock.clearTimeout(this.#retry.id);
      this.#retry = undefined;
    }
    const flush = (async () => {
      await this.#work;
      if (this.#queue.length > 0 && this.#store !== undefined) {
        // One last attempt for what the writer had left (it stops retrying once closed).
        this.#work = this.#drain();
        await this.#work;
      }
    })();
    const done = await settlesWithin(flush, timeoutMs);
    const left = this.#queue.length;
    if (left > 0) {
      this.#o.metrics.journalDroppedWrites.inc({ reason: 'closed' }, left);
      this.#o.logger.warn({ left, timedOut: !done }, 'journal closed with writes not written');
      this.#queue = [];
      this.#o.metrics.journalQueued.set(0);
    }
    // After a timeout the write in flight (or the open) may still hold the store: it is closed
    // once that ends.
    const closing = (this.#work ?? Promise.resolve()).then(() => this.#store?.close()).catch(() => undefined);
    this.#released = closing;
    if (done) await closing;
  }
}

/**
 * Whether `p` settles within `ms`. A real timer, cleared after: the shutdown's deadline is wall
 * time, whatever clock drives the bot.
 */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  const done = await Promise.race([settled, late]);
  clearTimeout(timer);
  return done;
}

/** Where the configuration puts the journal: PGlite in journal.data_dir, or the server at journal.url. */
export function journalTarget(
  config: Config['journal'],
  env: NodeJS.ProcessEnv,
  warn?: (message: string) => void,
): JournalTarget {
  if (config.url === '') return { kind: 'pglite', dataDir: config.data_dir };
  const password = loadSecret(
    'POSTGRES_PASSWORD',
    { env, ...(warn === undefined ? {} : { warn }) },
    { allowSpaces: true },
  );
  return {
    kind: 'postgres',
    url: config.url,
    ...(password === undefined ? {} : { password: password.reveal() }),
  };
}

/** The journal the configuration asks for, or undefined when journal.enabled is false. */
export function journalFromConfig(
  config: Config,
  deps: {
    readonly clock: Clock;
    readonly metrics: Metrics;
    readonly logger: Logger;
    readonly env: NodeJS.ProcessEnv;
  },
): Journal | undefined {
  const j = config.journal;
  if (!j.enabled) return undefined;
  return new Journal({
    target: journalTarget(j, deps.env, (m) => deps.logger.warn(m)),
    schema: j.schema,
    queueMax: j.queue_max,
    retryMs: j.retry_ms,
    clock: deps.clock,
    metrics: deps.metrics,
    logger: deps.logger,
  });
}
