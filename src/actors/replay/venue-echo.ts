/**
 * The venue's order updates for writes the recording has no answer for. When the replayed bot
 * sends a create, amend or cancel the recorded bot did not send (or sent with other parameters),
 * the replay accepts it (rest.ts, socket.ts); live, the venue would then push the order's new state
 * on the private `order` topic. Without that push the order machine waits for a report that never
 * comes, reconciles by querying, finds nothing and cancels, and quoting churns. This pushes what
 * the venue would: the created order resting, the amended order at its new price, the cancelled
 * order cancelled, through the private socket like a recorded frame.
 *
 * What it knows of each order comes from the bot's own writes and from the recorded order pushes
 * (the venue's order id, the filled quantity, a final state), so an echo never undoes a fill.
 */
import type { ReplayClock } from './clock.js';
import type { WireOrder } from '../../adapters/bybit/wire/private.js';

/** The order the venue holds, as far as the replay can tell. */
interface Known {
  readonly symbol: string;
  readonly side: string;
  readonly timeInForce: string;
  readonly reduceOnly: boolean;
  readonly createdTime: number;
  orderId: string;
  price: string;
  qty: string;
  cumExecQty: string;
  status: string;
  /** The replay made this order final (an echoed cancel): the venue pushes nothing of it after. */
  gone: boolean;
}

/** Where echoes go: the open private socket, as if the venue had pushed them. */
export interface EchoTarget {
  inject(raw: string): void;
}

const FINAL = new Set(['Filled', 'Cancelled', 'PartiallyFilledCanceled', 'Rejected', 'Deactivated']);
/** Echoes arrive this long after the acceptance they follow (the venue pushes after answering). */
const ECHO_DELAY_MS = 1;

type Params = Record<string, unknown>;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

export class VenueEcho {
  readonly #clock: ReplayClock;
  readonly #orders = new Map<string, Known>();
  #target: EchoTarget | undefined;
  #seq = 0;

  constructor(clock: ReplayClock) {
    this.#clock = clock;
  }

  /** The private socket the bot uses now (a reconnect opens a new one). */
  attach(target: EchoTarget): void {
    this.#target = target;
  }

  /** A write the bot sent (answered from the recording or not): remembers what it asked. */
  sent(path: string, params: Params): void {
    if (path === '/v5/order/create') this.#create(params);
    else if (path === '/v5/order/create-batch') for (const p of items(params)) this.#create(p);
  }

  /** A trade request on the WebSocket (`order.create-batch` ...): as `sent`. */
  sentWs(op: string, args: readonly unknown[]): void {
    const p = args[0];
    if (typeof p === 'object' && p !== null) this.sent(wsPath(op), p as Params);
  }

  /**
   * An order push of the recording, less the orders the replayed venue does not hold: those the
   * replayed bot never created, and those the replay cancelled (echoed). Live, the venue would push
   * nothing of them; played back, each would look like a stray order of ours, to be cancelled.
   * Of the orders kept, the venue's view wins.
   */
  observed(orders: readonly WireOrder[]): WireOrder[] {
    const kept: WireOrder[] = [];
    for (const o of orders) {
      const k = this.#orders.get(o.orderLinkId);
      if (k === undefined || k.gone) continue;
      kept.push(o);
      k.orderId = o.orderId;
      k.price = o.price;
      k.qty = o.qty;
      k.cumExecQty = o.cumExecQty;
      k.status = o.orderStatus;
    }
    return kept;
  }

  /** As `accepted`, for a trade request on the WebSocket. */
  acceptedWs(op: string, args: readonly unknown[], orderIds: ReadonlyMap<string, string>, at: number): void {
    const p = args[0];
    if (typeof p === 'object' && p !== null) this.accepted(wsPath(op), p as Params, orderIds, at);
  }

  /**
   * A write the replay accepted without a recorded answer: pushes the resulting order states once
   * the acceptance has arrived (`at`). `orderIds` are the ids the synthesized answer gave, by
   * orderLinkId.
   */
  accepted(path: string, params: Params, orderIds: ReadonlyMap<string, string>, at: number): void {
    const op = path.slice(path.lastIndexOf('/') + 1);
    const list = op.endsWith('-batch') ? items(params) : [params];
    const changed: Known[] = [];
    const ids: string[] = [];
    if (op === 'cancel-all') {
      const symbol = str(params['symbol']);
      for (const [id, k] of this.#orders)
        if (!FINAL.has(k.status) && (symbol === '' || k.symbol === symbol)) {
          k.status = 'Cancelled';
          k.gone = true;
          changed.push(k);
          ids.push(id);
        }
    } else {
      for (const p of list) {
        const id = str(p['orderLinkId']);
        const k = this.#orders.get(id);
        if (k === undefined) continue;
        if (!FINAL.has(k.status)) {
          if (op.startsWith('create')) {
            k.orderId = orderIds.get(id) ?? k.orderId;
            k.status = Number(k.cumExecQty) > 0 ? 'PartiallyFilled' : 'New';
          } else if (op.startsWith('amend')) {
            if (typeof p['price'] === 'string') k.price = p['price'];
            if (typeof p['qty'] === 'string') k.qty = p['qty'];
            k.status = Number(k.cumExecQty) > 0 ? 'PartiallyFilled' : 'New';
          } else if (op.startsWith('cancel')) {
            k.status = 'Cancelled';
            k.gone = true;
          } else continue;
        }
        // An order already final is pushed as it is: the venue would have refused the write.
        if (k.orderId === '') continue;
        changed.push(k);
        ids.push(id);
      }
    }
    if (changed.length === 0) return;
    // The states as they are now: a later write or recorded push must not change this echo.
    const data = changed.map((k, i) => wireOrder(ids[i]!, k, at));
    const raw = JSON.stringify({
      topic: 'order',
      id: `replay-echo-${++this.#seq}`,
      creationTime: at,
      data,
    });
    this.#clock.schedule(() => this.#target?.inject(raw), at + ECHO_DELAY_MS - this.#clock.now());
  }

  #create(p: Params): void {
    const id = str(p['orderLinkId']);
    if (id === '' || this.#orders.has(id)) return;
    this.#orders.set(id, {
      symbol: str(p['symbol']),
      side: str(p['side']),
      timeInForce: str(p['timeInForce'], 'GTC'),
      reduceOnly: p['reduceOnly'] === true,
      createdTime: this.#clock.now(),
      orderId: '',
      price: str(p['price'], '0'),
      qty: str(p['qty'], '0'),
      cumExecQty: '0',
      status: 'Created',
      gone: false,
    });
  }
}

/** The REST path of a WebSocket trade operation: order.amend-batch → /v5/order/amend-batch. */
const wsPath = (op: string): string => `/v5/${op.replace('.', '/')}`;

function items(params: Params): Params[] {
  const r = params['request'];
  return Array.isArray(r) ? (r.filter((x) => typeof x === 'object' && x !== null) as Params[]) : [];
}

/** An order as Bybit pushes it on `order`. */
function wireOrder(orderLinkId: string, k: Known, at: number): Record<string, unknown> {
  const decimals = (k.qty.split('.')[1] ?? '').length;
  const open = !FINAL.has(k.status);
  const leaves = open ? Math.max(0, Number(k.qty) - Number(k.cumExecQty)).toFixed(decimals) : '0';
  return {
    category: 'linear',
    symbol: k.symbol,
    orderId: k.orderId,
    orderLinkId,
    side: k.side,
    positionIdx: 0,
    orderStatus: k.status,
    cancelType: k.status === 'Cancelled' ? 'CancelByUser' : 'UNKNOWN',
    rejectReason: 'EC_NoError',
    timeInForce: k.timeInForce,
    price: k.price,
    qty: k.qty,
    avgPrice: '',
    leavesQty: leaves,
    cumExecQty: k.cumExecQty,
    cumExecValue: '0',
    cumExecFee: '0',
    orderType: 'Limit',
    reduceOnly: k.reduceOnly,
    createdTime: String(k.createdTime),
    updatedTime: String(at),
  };
}
