/**
 * The replayed venue's order updates: an accepted write the recording has no answer for is
 * followed by the push the venue would send (resting, amended, cancelled), and the recorded pushes
 * of orders the replayed venue does not hold are held back.
 */
import { describe, expect, it } from 'vitest';
import { classifyInbound } from '../../src/adapters/bybit/wire/classify.js';
import type { WireOrder } from '../../src/adapters/bybit/wire/private.js';
import { ReplayClock } from '../../src/actors/replay/clock.js';
import { VenueEcho } from '../../src/actors/replay/venue-echo.js';

const create = (id: string, price: string) => ({
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  qty: '0.002',
  price,
  timeInForce: 'PostOnly',
  orderLinkId: id,
  reduceOnly: false,
});

function setup() {
  const clock = new ReplayClock(1_000);
  const echo = new VenueEcho(clock);
  const pushed: WireOrder[][] = [];
  echo.attach({
    inject: (raw) => {
      // What the bot's socket makes of it: a valid order push.
      const inbound = classifyInbound(raw);
      if (inbound.kind !== 'private' || inbound.channel !== 'order')
        throw new Error(`not an order push: ${raw}`);
      pushed.push(inbound.push.data);
    },
  });
  const drain = () => {
    while (clock.fireNext());
  };
  return { clock, echo, pushed, drain };
}

describe('VenueEcho', () => {
  it('pushes the created, amended and cancelled states of accepted writes, after the acceptance', () => {
    const { clock, echo, pushed, drain } = setup();
    const params = { category: 'linear', request: [create('mm-a-1', '100.0'), create('mm-a-2', '99.0')] };
    echo.sent('/v5/order/create-batch', params);
    echo.accepted(
      '/v5/order/create-batch',
      params,
      new Map([
        ['mm-a-1', 'oid-1'],
        ['mm-a-2', 'oid-2'],
      ]),
      clock.now() + 1,
    );
    expect(pushed).toEqual([]);
    drain();
    expect(clock.now()).toBe(1_002);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.map((o) => [o.orderLinkId, o.orderId, o.orderStatus, o.price, o.leavesQty])).toEqual([
      ['mm-a-1', 'oid-1', 'New', '100.0', '0.002'],
      ['mm-a-2', 'oid-2', 'New', '99.0', '0.002'],
    ]);

    const amend = {
      category: 'linear',
      request: [{ symbol: 'BTCUSDT', orderLinkId: 'mm-a-1', price: '101.0', qty: '0.002' }],
    };
    echo.sent('/v5/order/amend-batch', amend);
    echo.accepted('/v5/order/amend-batch', amend, new Map(), clock.now() + 1);
    const cancel = { category: 'linear', request: [{ symbol: 'BTCUSDT', orderLinkId: 'mm-a-2' }] };
    echo.accepted('/v5/order/cancel-batch', cancel, new Map(), clock.now() + 1);
    drain();
    expect(
      pushed.slice(1).map((d) => d.map((o) => [o.orderLinkId, o.orderStatus, o.price, o.leavesQty])),
    ).toEqual([[['mm-a-1', 'New', '101.0', '0.002']], [['mm-a-2', 'Cancelled', '99.0', '0']]]);
  });

  it('keeps what the recorded venue said: fills stay, and orders it does not hold are not pushed', () => {
    const { clock, echo, pushed, drain } = setup();
    const params = { category: 'linear', request: [create('mm-a-1', '100.0')] };
    echo.sent('/v5/order/create-batch', params);
    const recorded = (id: string, status: string, cum: string) =>
      ({
        symbol: 'BTCUSDT',
        orderId: 'venue-1',
        orderLinkId: id,
        side: 'Buy',
        orderStatus: status,
        orderType: 'Limit',
        timeInForce: 'PostOnly',
        price: '100.0',
        qty: '0.002',
        avgPrice: '',
        leavesQty: '0.001',
        cumExecQty: cum,
        cumExecValue: '0',
        cancelType: 'UNKNOWN',
        rejectReason: 'EC_NoError',
        createdTime: '1',
        updatedTime: '1',
      }) as WireOrder;
    // mm-a-9 was created by the recorded bot only: the replayed venue holds no such order.
    const kept = echo.observed([
      recorded('mm-a-1', 'PartiallyFilled', '0.001'),
      recorded('mm-a-9', 'New', '0'),
    ]);
    expect(kept.map((o) => o.orderLinkId)).toEqual(['mm-a-1']);

    const amend = {
      category: 'linear',
      request: [{ symbol: 'BTCUSDT', orderLinkId: 'mm-a-1', price: '99.5', qty: '0.002' }],
    };
    echo.accepted('/v5/order/amend-batch', amend, new Map(), clock.now() + 1);
    drain();
    expect(pushed[0]!.map((o) => [o.orderId, o.orderStatus, o.price, o.cumExecQty, o.leavesQty])).toEqual([
      ['venue-1', 'PartiallyFilled', '99.5', '0.001', '0.001'],
    ]);

    // Cancelled by the replay: what the recording still says of it is held back.
    const cancel = { category: 'linear', request: [{ symbol: 'BTCUSDT', orderLinkId: 'mm-a-1' }] };
    echo.accepted('/v5/order/cancel-batch', cancel, new Map(), clock.now() + 1);
    drain();
    expect(pushed[1]!.map((o) => o.orderStatus)).toEqual(['Cancelled']);
    expect(echo.observed([recorded('mm-a-1', 'PartiallyFilled', '0.001')])).toEqual([]);
  });
});
