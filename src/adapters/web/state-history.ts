/**
 * A bounded history of machine state changes with their times, for the status page's reconnect
 * history: each change of a machine's (reduced) state is kept once, the oldest dropped past the
 * limit, while per-state entry counts are kept for the whole run.
 */

/** One change of a machine's state. */
export interface StateChange {
  /** Milliseconds since the epoch (the bot's clock). */
  readonly at: number;
  readonly machine: string;
  readonly from: string;
  readonly to: string;
}

/** The state a machine is in and since when. */
export interface CurrentState {
  readonly state: string;
  readonly since: number;
}

export class StateHistory {
  readonly #limit: number;
  readonly #changes: StateChange[] = [];
  readonly #current = new Map<string, CurrentState>();
  readonly #entries = new Map<string, number>();
  /** Per machine: counts of each (from, to) pair, for the whole run. */
  readonly #moves = new Map<string, Map<string, number>>();

  constructor(limit = 100) {
    this.#limit = limit;
  }

  /** Records `state` for `machine` at `at`; a repeat of the current state records nothing. */
  observe(machine: string, state: string, at: number): void {
    const cur = this.#current.get(machine);
    if (cur?.state === state) return;
    this.#current.set(machine, { state, since: at });
    const key = `${machine}\u0000${state}`;
    this.#entries.set(key, (this.#entries.get(key) ?? 0) + 1);
    // The first observation is where the machine starts, not a change.
    if (cur === undefined) return;
    let moves = this.#moves.get(machine);
    if (moves === undefined) this.#moves.set(machine, (moves = new Map<string, number>()));
    const move = `${cur.state}\u0000${state}`;
    moves.set(move, (moves.get(move) ?? 0) + 1);
    this.#changes.push({ at, machine, from: cur.state, to: state });
    if (this.#changes.length > this.#limit) this.#changes.shift();
  }

  /** The kept changes, oldest first. */
  changes(): readonly StateChange[] {
    return [...this.#changes];
  }

  /** How many times `machine` entered `state` since the history began. */
  entries(machine: string, state: string): number {
    return this.#entries.get(`${machine}\u0000${state}`) ?? 0;
  }

  /** How many of `machine`'s changes since the history began satisfy `which`. */
  moves(machine: string, which: (from: string, to: string) => boolean): number {
    let n = 0;
    for (const [move, count] of this.#moves.get(machine) ?? []) {
      const [from, to] = move.split('\u0000') as [string, string];
      if (which(from, to)) n += count;
    }
    return n;
  }

  current(machine: string): CurrentState | undefined {
    return this.#current.get(machine);
  }
}

/** A connection machine's state reduced to what an operator follows: 'session.live', 'backoff'... */
export function connectionPhase(state: string): string {
  return state.split('.').slice(0, 2).join('.');
}
