/**
 * A counting semaphore with a FIFO queue of waiters. It caps the requests in flight across every
 * origin of the HTTP pool (connection_pool.limit); each origin caps its own connections.
 */

/** A place in the queue; `cancel()` gives it up before it was granted. */
export interface SemaphoreTicket {
  readonly granted: Promise<void>;
  /** Leaves the queue; returns false when the slot had already been granted. */
  cancel(): boolean;
}

export class Semaphore {
  readonly #limit: number;
  #held = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit > 0))
      throw new RangeError(`limit must be a positive integer, was ${limit}`);
    this.#limit = limit;
  }

  /** Slots currently held. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Takes a slot if one is free right now (no queue, no promise). */
  tryAcquire(): boolean {
    if (this.#held >= this.#limit) return false;
    this.#held++;
    return true;
  }

  /** Asks for a slot; the ticket's promise resolves once it is held. */
  acquire(): SemaphoreTicket {
    if (this.#held < this.#limit) {
      this.#held++;
      return { granted: Promise.resolve(), cancel: () => false };
    }
    let grant!: () => void;
    let done = false;
    const granted = new Promise<void>((resolve) => {
      grant = () => {
        done = true;
        resolve();
      };
    });
    this.#waiters.push(grant);
    return {
      granted,
      cancel: () => {
        if (done) return false;
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        done = true;
        return true;
      },
    };
  }

  /** Gives a slot back, handing it straight to the first waiter if there is one. */
  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    if (this.#held > 0) this.#held--;
  }
}
