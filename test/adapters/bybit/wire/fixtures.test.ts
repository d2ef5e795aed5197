import { describe, expect, it } from 'vitest';
import { classifyInbound, type Inbound } from '../../../../src/adapters/bybit/wire/classify.js';
import { parseBookFrame } from '../../../../src/adapters/bybit/wire/book-frame.js';
import { refusedTopic } from '../../../../src/adapters/bybit/wire/control.js';
import { orderbookFrameSchema } from '../../../../src/adapters/bybit/wire/public.js';
import type { PrivateMessage } from '../../../../src/adapters/bybit/wire/private.js';
import { fixture, fixtureNames } from './load-fixture.js';

function classified<K extends Inbound['kind']>(name: string, kind: K): Extract<Inbound, { kind: K }> {
  const r = classifyInbound(fixture(name));
  expect(r.kind, `${name}: ${JSON.stringify(r)}`).toBe(kind);
  return r as Extract<Inbound, { kind: K }>;
}

type PushOf<C extends PrivateMessage['channel']> = Extract<PrivateMessage, { channel: C }>['push'];

function privatePush<C extends PrivateMessage['channel']>(name: string, channel: C): PushOf<C> {
  const r = classified(name, 'private');
  expect(r.channel).toBe(channel);
  return r.push as PushOf<C>;
}

describe('protocol doc fixtures', () => {
  it('classifies every fixture without a rejection', () => {
    const names = fixtureNames();
    expect(names.length).toBeGreaterThanOrEqual(45);
    for (const name of names) {
      const r = classifyInbound(fixture(name));
      expect(r.kind, `${name}: ${JSON.stringify(r)}`).not.toBe('rejected');
    }
  });
});

describe('order-book frames (§12.1, §12.2, §12.4)', () => {
  it('reads the linear orderbook.50 snapshot with its values intact', () => {
    const { frame } = classified('ws_orderbook50_snapshot', 'book');
    expect(frame.topic).toBe('orderbook.50.BTCUSDT');
    expect(frame.type).toBe('snapshot');
    expect(frame.ts).toBe(1790134712130);
    expect(frame.cts).toBe(1790134712126);
    expect(frame.data.s).toBe('BTCUSDT');
    expect(frame.data.b).toEqual([
      ['86723.40', '0.194'],
      ['86723.30', '0.002'],
      ['86722.30', '0.001'],
    ]);
    expect(frame.data.a[0]).toEqual(['86723.50', '5.959']);
    expect(frame.data.u).toBe(173678160);
    expect(frame.data.seq).toBe(814547787693);
  });

  it('reads deltas, keeping "0" sizes (deletes) and empty sides', () => {
    const { frame } = classified('ws_orderbook50_delta_linear', 'book');
    expect(frame.type).toBe('delta');
    expect(frame.data.a[0]).toEqual(['109148.00', '0']);
    expect(frame.data.a).toHaveLength(5);
    expect(frame.data.u).toBe(21111423);
    const emptyBids = classified('ws_orderbook50_delta_empty-bids', 'book').frame;
    expect(emptyBids.data.b).toEqual([]);
    expect(emptyBids.data.a).toEqual([
      ['62414.30', '0.304'],
      ['62414.80', '0'],
    ]);
    const aapl = classified('ws_orderbook50_delta_aapl', 'book').frame;
    expect(aapl.data.s).toBe('AAPLUSDT');
    expect(aapl.data.a).toEqual([]);
  });

  it('reads level-1 frames whichever key comes first, and old spot frames without cts', () => {
    const spot = classified('ws_orderbook1_snapshot_spot', 'book').frame;
    expect(spot.data.b).toEqual([['106285.8', '0.794865']]);
    expect(spot.data.u).toBe(943951);
    const old = classified('ws_orderbook1_delta_spot-2023', 'book').frame;
    expect(old.cts).toBeUndefined();
    expect(old.data.a[1]).toEqual(['32529.54', '0']);
  });

  it('agrees with the zod twin on every real book frame', () => {
    for (const name of fixtureNames().filter((n) => n.startsWith('ws_orderbook'))) {
      const text = fixture(name);
      const hand = parseBookFrame(text);
      const zod = orderbookFrameSchema.parse(JSON.parse(text));
      expect(hand, name).toEqual(zod);
    }
  });
});

describe('publicTrade and tickers (§12.1, §12.3, §12.4)', () => {
  it('reads a linear trade with tick direction and a spot trade without', () => {
    const linear = classified('ws_publictrade_snapshot_linear', 'publicTrade').frame;
    expect(linear.data).toHaveLength(1);
    expect(linear.data[0]).toMatchObject({
      T: 1758841135823,
      s: 'BTCUSDT',
      S: 'Buy',
      v: '0.020',
      p: '109378.90',
      L: 'ZeroPlusTick',
      i: '2a74ac78-691c-5b54-9dbe-5aafe8364627',
      BT: false,
      seq: 457514743450,
    });
    const spot = classified('ws_publictrade_snapshot_spot', 'publicTrade').frame;
    expect(spot.data[0]?.L).toBeUndefined();
    expect(spot.data[0]).toMatchObject({ i: '2100000000188691524', S: 'Sell', p: '77140.5', v: '0.00389' });
  });

  it('reads a full ticker snapshot and a delta that carries only the changed fields', () => {
    const snap = classified('ws_tickers_snapshot_xrpusdt', 'ticker').frame;
    expect(snap.type).toBe('snapshot');
    expect(snap.data).toMatchObject({
      symbol: 'XRPUSDT',
      lastPrice: '3.3280',
      markPrice: '3.2017',
      fundingRate: '-0.00435',
      bid1Price: '3.3297',
      ask1Size: '1363',
      preOpenPrice: '',
    });
    expect(snap.cs).toBe(19371556201);
    const delta = classified('ws_tickers_delta_xrpusdt', 'ticker').frame;
    expect(delta.type).toBe('delta');
    expect(delta.data.lastPrice).toBe('3.3298');
    expect(delta.data.markPrice).toBeUndefined();
    expect(delta.data.ask1Size).toBe('1113');
    const btc = classified('ws_tickers_delta_btcusdt', 'ticker').frame;
    expect(btc.data).toMatchObject({ symbol: 'BTCUSDT', markPrice: '86716.30', indexPrice: '86756.70' });
    expect(btc.data.lastPrice).toBeUndefined();
  });
});

describe('private pushes (§12.5 – §12.8)', () => {
  it('reads an order New push', () => {
    const push = privatePush('ws_order_new_linear', 'order');
    expect(push.topic).toBe('order');
    expect(push.id).toBe('104183676_XRPUSDT_19371738695');
    expect(push.creationTime).toBe(1737725795599);
    expect(push.data[0]).toMatchObject({
      symbol: 'XRPUSDT',
      orderId: 'e09b7733-3df0-4684-b866-f5a802fb7ee2',
      orderLinkId: '',
      side: 'Buy',
      orderStatus: 'New',
      price: '2.5293',
      qty: '10',
      avgPrice: '',
      leavesQty: '10',
      cumExecQty: '0',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      createdTime: '1737725795593',
    });
  });

  it('reads categorised topics (order.linear, order.spot, execution.spot) on the same channels', () => {
    const cancel = privatePush('ws_order_cancelled_linear', 'order');
    expect(cancel.topic).toBe('order.linear');
    expect(cancel.data[0]).toMatchObject({
      orderStatus: 'Cancelled',
      cancelType: 'CancelByUser',
      rejectReason: 'EC_PerCancelRequest',
      leavesQty: '0',
    });
    const spot = privatePush('ws_order_partially-filled-canceled_spot', 'order');
    expect(spot.topic).toBe('order.spot');
    expect(spot.data[0]).toMatchObject({
      orderStatus: 'PartiallyFilledCanceled',
      qty: '10.000000',
      price: '0',
    });
    const exec = privatePush('ws_execution_partial_spot', 'execution');
    expect(exec.topic).toBe('execution.spot');
    expect(exec.data[0]).toMatchObject({
      execId: '2100000000047469164',
      execQty: '0.000306',
      isMaker: false,
    });
  });

  it('reads two executions of one match sharing a seq', () => {
    const push = privatePush('ws_execution_two-fills_linear', 'execution');
    expect(push.data.map((e) => [e.execQty, e.execPrice, e.leavesQty, e.seq])).toEqual([
      ['1', '3.1424', '9', 19371741293],
      ['9', '3.1427', '0', 19371741293],
    ]);
    const single = privatePush('ws_execution_fill_linear', 'execution');
    expect(single.data[0]).toMatchObject({
      side: 'Sell',
      execFee: '0.0855525',
      orderLinkId: '1708249213491',
    });
  });

  it('reads position and wallet pushes', () => {
    const pos = privatePush('ws_position_linear', 'position');
    expect(pos.data[0]).toMatchObject({
      symbol: 'XRPUSDT',
      side: 'Buy',
      size: '4',
      entryPrice: '2.7862',
      positionIdx: 0,
      seq: 19371738695,
    });
    const wallet = privatePush('ws_wallet_unified', 'wallet');
    expect(wallet.data[0]?.accountType).toBe('UNIFIED');
    expect(wallet.data[0]?.coin[0]).toMatchObject({ coin: 'USDT', walletBalance: '1000.05007561' });
    const spotWallet = privatePush('ws_wallet_spot', 'wallet');
    expect(spotWallet.data[0]?.coin[0]?.coin).toBe('BTC');
  });
});

describe('control frames (§4, §7, §12)', () => {
  it('recognises every pong variant and keeps the echoed id', () => {
    expect(classified('ws_pong_linear', 'pong').reqId).toBe('ping-pp');
    expect(classified('ws_pong_private-req-id', 'pong').reqId).toBe('100001');
    expect(classified('ws_pong_private-session', 'pong').reqId).toBe('637252072726597');
    for (const name of ['ws_pong_spot', 'ws_pong_private', 'ws_pong_option', 'ws_pong_trade']) {
      expect(classified(name, 'pong').reqId, name).toBeUndefined();
    }
  });

  it('normalises acks, auth replies and refusals of both forms', () => {
    expect(classified('ws_subscribe_ack_linear', 'reply').reply).toMatchObject({
      op: 'subscribe',
      reqId: 'probe-pp',
      success: true,
      retCode: undefined,
    });
    expect(classified('ws_auth_params-error', 'reply').reply).toMatchObject({
      op: 'auth',
      success: false,
      message: 'Params Error',
    });
    expect(classified('ws_trade_auth-ok', 'reply').reply).toMatchObject({
      op: 'auth',
      success: true,
      retCode: 0,
    });
    const refused = classified('ws_subscribe_handler-not-found', 'reply').reply;
    expect(refused).toMatchObject({ op: 'subscribe', reqId: 'e1', success: false });
    expect(refusedTopic(refused.message)).toBe('orderbook.50.NOPEUSDT');
    expect(refusedTopic(classified('ws_subscribe_already-subscribed', 'reply').reply.message)).toBe(
      'orderbook.1.ETHUSDT',
    );
    expect(refusedTopic(classified('ws_subscribe_args-too-many', 'reply').reply.message)).toBeUndefined();
    expect(classified('ws_error_invalid-op', 'reply').reply).toMatchObject({ op: undefined, success: false });
  });

  it('reads trade-socket responses, single and batch', () => {
    const ok = classified('ws_trade_order-create_ok', 'tradeResponse').response;
    expect(ok).toMatchObject({ reqId: 'test-005', retCode: 0, op: 'order.create' });
    expect(ok.data?.orderId).toBe('a4c1718e-fe53-4659-a118-1f6ecce04ad9');
    expect(ok.header?.['X-Bapi-Limit-Status']).toBe('9');
    const refused = classified('ws_trade_order-create_insufficient-balance', 'tradeResponse').response;
    expect(refused).toMatchObject({ reqId: '1', retCode: 170131, retMsg: 'Insufficient balance.' });
    const batch = classified('ws_trade_order-create-batch_partial-docshape', 'tradeResponse').response;
    expect(batch.data?.list?.map((i) => i.orderId)).toEqual(['', 'a4c1718e-fe53-4659-a118-1f6ecce04ad9']);
    expect(batch.retExtInfo?.list?.map((i) => i.code)).toEqual([10001, 0]);
  });
});
