/**
 * The decisions log of a replay: what the bot decided, one JSON line per decision, in the order it
 * decided — the requests it sent to the venue with their parameters, the state changes of its
 * machines and orders, its fills, and its position and PnL. It holds nothing that differs between
 * two replays of one recording: times are the simulated clock's, relative to the session's start,
 * and machines are named by what they manage (a symbol, an orderLinkId, a child id), never by
 * XState's session ids. Divergences from the recording are decisions too: they say where the code
 * under replay no longer does what the recorded bot did.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Clock } from '../../domain/clock.js';
import type {
  FillRecord,
  OrderRecord,
  PnlRecord,
  RunRecord,
  TradeLog,
} from '../../adapters/journal/records.js';

/** Rounds PnL figures so that the log reads well (doubles print up to 17 digits). */
const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e8) / 1e8 : null);

/** A machine's state value as one string: `running`, `session.live`, `a,b` for parallel regions. */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => {
      const inner = stateString(v);
      return inner === '' || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)
        ? k
        : `${k}.${inner}`;
    })
    .join(',');
}

export class DecisionLog implements TradeLog {
  readonly #clock: Clock;
  readonly #start: number;
  readonly #out: (line: string) => void;
  readonly #states = new WeakMap<AnyActorRef, string>();
  #count = 0;
  #divergences = 0;

  constructor(clock: Clock, start: number, out: (line: string) => void) {
    this.#clock = clock;
    this.#start = start;
    this.#out = out;
  }

  /** Lines written. */
  get count(): number {
    return this.#count;
  }

  get divergences(): number {
    return this.#divergences;
  }

  /** Writes one decision; `fields` keep their insertion order. */
  write(ev: string, fields: Record<string, unknown> = {}): void {
    const t = Math.round((this.#clock.now() - this.#start) * 1000) / 1000;
    this.#count++;
    this.#out(`${JSON.stringify({ t, ev, ...fields })}\n`);
  }

  /** A request the bot sent to the venue, and where its answer came from. */
  request(via: 'rest' | 'ws', fields: Record<string, unknown>, answer: string): void {
    this.write(via === 'rest' ? 'rest' : 'ws.request', { ...fields, answer });
  }

  /** The replayed bot did something the recorded bot did not (or did not do what it did). */
  divergence(kind: string, fields: Record<string, unknown>): void {
    this.#divergences++;
    this.write('divergence', { kind, ...fields });
  }

  run(r: RunRecord): void {
    this.write('run', { runId: r.runId, mode: r.mode });
  }

  order(o: OrderRecord): void {
    this.write('order', {
      id: o.orderLinkId,
      symbol: o.symbol,
      side: o.side,
      price: o.price,
      qty: o.qty,
      cumQty: o.cumQty,
      state: o.state,
    });
  }

  fill(f: FillRecord): void {
    this.write('fill', {
      execId: f.execId,
      id: f.orderLinkId,
      symbol: f.symbol,
      side: f.side,
      price: f.price,
      qty: f.qty,
      fee: f.fee,
      maker: f.isMaker,
    });
  }

  pnl(snapshots: readonly PnlRecord[]): void {
    for (const s of snapshots)
      this.write('pnl', {
        symbol: s.symbol,
        position: round(s.position),
        avgEntry: round(s.avgEntryPrice),
        mark: round(s.markPrice),
        realised: round(s.realisedPnl),
        unrealised: round(s.unrealisedPnl),
        fees: round(s.fees),
        equity: round(s.equity),
      });
  }

  /**
   * The inspection observer: logs each machine's state whenever it changes. Order machines are
   * left out (their transitions come with prices through order()), as are actors without states.
   */
  readonly inspect = (e: InspectionEvent): void => {
    if (e.type !== '@xstate.snapshot') return;
    const snap = e.snapshot as { value?: unknown; context?: Record<string, unknown> };
    if (snap.value === undefined) return;
    const ref = e.actorRef as AnyActorRef & { _parent?: unknown; logic?: { id?: string } };
    const machine = ref.logic?.id ?? '?';
    if (machine === 'order') return;
    const state = stateString(snap.value);
    if (this.#states.get(ref) === state) return;
    this.#states.set(ref, state);
    const c = snap.context;
    const symbol = c?.['symbol'];
    const id = typeof symbol === 'string' ? symbol : ref._parent === undefined ? machine : ref.id;
    this.write('state', { machine, id, state });
  };
}
