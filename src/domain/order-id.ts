/**
 * orderLinkIds of this instance: `<prefix>-<run>-<seq>`. The prefix marks an order as ours (orders
 * without it are never touched); the run part (base-36 start time) keeps ids unique across restarts,
 * since Bybit refuses a duplicate orderLinkId (110072). At most 36 characters, [A-Za-z0-9-].
 */
export class OrderIds {
  readonly #stem: string;
  #seq = 0;

  constructor(
    readonly prefix: string,
    startedAtMs: number,
  ) {
    this.#stem = `${prefix}-${Math.floor(startedAtMs).toString(36)}-`;
  }

  next(): string {
    this.#seq += 1;
    return `${this.#stem}${this.#seq}`;
  }

  /** Whether an orderLinkId belongs to this instance's prefix (any run). */
  isOurs(orderLinkId: string): boolean {
    return isOurOrder(this.prefix, orderLinkId);
  }
}

export const isOurOrder = (prefix: string, orderLinkId: string): boolean =>
  orderLinkId.startsWith(`${prefix}-`);
