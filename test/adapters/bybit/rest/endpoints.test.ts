import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_INSTRUMENTS, toInstrument } from '../../../../src/domain/instrument.js';
import {
  BadResponseError,
  ExchangeRejectedError,
  InvariantError,
  OrderNotFoundError,
  RateLimitedError,
} from '../../../../src/errors.js';
import { envelope } from '../../../helpers/http-server.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(): Promise<Harness> {
  h = await startHarness();
  return h;
}

const json = (body: string): unknown => JSON.parse(body);

// docs/bybit-v5-protocol.md §12.5, as REST lists it (category at result level, avgPrice "0").
const ORDER_XRP = {
  symbol: 'XRPUSDT',
  orderId: 'e09b7733-3df0-4684-b866-f5a802fb7ee2',
  orderLinkId: 'mm-lq2-1',
  blockTradeId: '',
  side: 'Buy',
  positionIdx: 0,
  orderStatus: 'New',
  cancelType: 'UNKNOWN',
  rejectReason: 'EC_NoError',
  timeInForce: 'GTC',
  isLeverage: '',
  price: '2.5293',
  qty: '10',
  avgPrice: '0',
  leavesQty: '10',
  leavesValue: '25.293',
  cumExecQty: '0',
  cumExecValue: '0',
  cumExecFee: '0',
  orderType: 'Limit',
  stopOrderType: '',
  orderIv: '',
  triggerPrice: '',
  takeProfit: '',
  stopLoss: '',
  triggerBy: '',
  tpTriggerBy: '',
  slTriggerBy: '',
  triggerDirection: 0,
  placeType: '',
  lastPriceOnCreated: '3.129',
  closeOnTrigger: false,
  reduceOnly: false,
  smpGroup: 0,
  smpType: 'None',
  smpOrderId: '',
  createType: 'CreateByUser',
  createdTime: '1737725795593',
  updatedTime: '1737725795596',
};
const order = (i: number) => ({ ...ORDER_XRP, orderId: `id-${i}`, orderLinkId: `mm-lq2-${i}` });

// §3.8 example item.
const EXECUTION = {
  symbol: 'ETHPERP',
  orderType: 'Market',
  underlyingPrice: '',
  orderLinkId: '',
  side: 'Buy',
  indexPrice: '',
  orderId: '8c065341-7b52-4ca9-ac2c-37e31ac55c94',
  stopOrderType: 'UNKNOWN',
  leavesQty: '0',
  execTime: '1672282722429',
  feeCurrency: '',
  isMaker: false,
  execFee: '0.071409',
  feeRate: '0.0006',
  execId: 'e0cbe81d-0f18-5866-9415-cf319b5dab3b',
  tradeIv: '',
  blockTradeId: '',
  markPrice: '1183.54',
  execPrice: '1190.15',
  markIv: '',
  orderQty: '0.1',
  orderPrice: '1236.9',
  execValue: '119.015',
  execType: 'Trade',
  execQty: '0.1',
  closedSize: '',
  extraFees: '',
  seq: 4688002127,
};

// §3.9 fields with §12.5's values.
const POSITION = {
  positionIdx: 0,
  riskId: 41,
  riskLimitValue: '250000',
  symbol: 'XRPUSDT',
  side: 'Buy',
  size: '4',
  avgPrice: '2.7862',
  positionValue: '11.1448',
  tradeMode: 0,
  autoAddMargin: 0,
  positionStatus: 'Normal',
  leverage: '10',
  markPrice: '3.1342',
  liqPrice: '',
  bustPrice: '',
  positionIM: '1.11999668',
  positionMM: '0.08910268',
  positionBalance: '0',
  takeProfit: '0',
  stopLoss: '0',
  trailingStop: '0',
  sessionAvgPrice: '',
  unrealisedPnl: '1.392',
  curRealisedPnl: '0.05007561',
  cumRealisedPnl: '0.05007561',
  adlRankIndicator: 2,
  createdTime: '1737695187734',
  updatedTime: '1737705600059',
  seq: 19371738695,
  isReduceOnly: false,
  mmrSysUpdatedTime: '',
  leverageSysUpdatedTime: '',
};

// §12.5 wallet account.
const WALLET = {
  accountIMRate: '0.0043',
  accountMMRate: '0.0003',
  totalEquity: '1001.52819962',
  totalWalletBalance: '840.11430712',
  totalMarginBalance: '841.28368768',
  totalAvailableBalance: '837.6076437',
  totalPerpUPL: '1.16938055',
  totalInitialMargin: '3.67604398',
  totalMaintenanceMargin: '0.30525761',
  coin: [
    {
      coin: 'USDT',
      equity: '1001.44207561',
      usdValue: '1001.52819962',
      walletBalance: '1000.05007561',
      availableToWithdraw: '',
      availableToBorrow: '',
      borrowAmount: '0',
      accruedInterest: '0',
      totalOrderIM: '2.55573119',
      totalPositionIM: '1.11999668',
      totalPositionMM: '0.08910268',
      unrealisedPnl: '1.392',
      cumRealisedPnl: '0.05007561',
      bonus: '0',
      collateralSwitch: true,
      marginCollateral: true,
      locked: '0',
      spotHedgingQty: '0',
    },
  ],
  accountLTV: '0',
  accountType: 'UNIFIED',
};

// §3.11 real BTCUSDT item.
const BTCUSDT = {
  symbol: 'BTCUSDT',
  symbolId: 5,
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: 'BTC',
  quoteCoin: 'USDT',
  launchTime: '1585526400000',
  deliveryTime: '0',
  deliveryFeeRate: '',
  priceScale: '2',
  leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
  priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
  lotSizeFilter: {
    maxOrderQty: '1190.000',
    minOrderQty: '0.001',
    qtyStep: '0.001',
    postOnlyMaxOrderQty: '1190.000',
    maxMktOrderQty: '500.000',
    minNotionalValue: '5',
  },
  unifiedMarginTrade: true,
  fundingInterval: 480,
  settleCoin: 'USDT',
  copyTrading: 'both',
  upperFundingRate: '0.00375',
  lowerFundingRate: '-0.00375',
  isPreListing: false,
  preListingInfo: null,
  riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
  symbolType: '',
};

describe('order writes', () => {
  it('createOrder posts Bybit param names and returns the ack', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/create', () => ({
      body: envelope({ orderId: '1321003749386327552', orderLinkId: 'usdt-test-01' }),
    }));
    const ack = await rest.createOrder({
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '1',
      price: '25000',
      timeInForce: 'GTC',
      positionIdx: 0,
      orderLinkId: 'usdt-test-01',
      reduceOnly: false,
    });
    expect(ack).toEqual({ orderId: '1321003749386327552', orderLinkId: 'usdt-test-01' });
    expect(server.requestsTo('/v5/order/create')[0]!.body).toBe(
      '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"1","price":"25000","timeInForce":"GTC","positionIdx":0,"orderLinkId":"usdt-test-01","reduceOnly":false}',
    );
  });

  it('amendOrder and cancelOrder send the order reference and return the ack', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/amend', () => ({
      body: envelope({ orderId: 'o-1', orderLinkId: 'mm-1' }),
    }));
    server.route('POST', '/v5/order/cancel', () => ({
      body: envelope({ orderId: 'o-1', orderLinkId: 'mm-1' }),
    }));
    await expect(
      rest.amendOrder({ symbol: 'BTCUSDT', orderLinkId: 'mm-1', price: '50010.10' }),
    ).resolves.toEqual({
      orderId: 'o-1',
      orderLinkId: 'mm-1',
    });
    await expect(
      rest.cancelOrder({ symbol: 'BTCUSDT', orderId: 'o-1', category: 'linear' }),
    ).resolves.toEqual({
      orderId: 'o-1',
      orderLinkId: 'mm-1',
    });
    expect(json(server.requestsTo('/v5/order/amend')[0]!.body)).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderLinkId: 'mm-1',
      price: '50010.10',
    });
    expect(json(server.requestsTo('/v5/order/cancel')[0]!.body)).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderId: 'o-1',
    });
  });

  it('refuses amend or cancel without an order reference, sending nothing', async () => {
    const { server, rest } = await harness();
    await expect(rest.cancelOrder({ symbol: 'BTCUSDT', orderLinkId: '' })).rejects.toBeInstanceOf(
      InvariantError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('cancelAllOrders returns the cancelled orders', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/cancel-all', () => ({
      body: envelope({
        list: [
          { orderId: '1616024329462743808', orderLinkId: '1616024329462743809' },
          { orderId: '1616024287544869632', orderLinkId: '1616024287544869633' },
        ],
        success: '1',
      }),
    }));
    const r = await rest.cancelAllOrders('BTCUSDT');
    expect(r.success).toBe(true);
    expect(r.cancelled.map((o) => o.orderId)).toEqual(['1616024329462743808', '1616024287544869632']);
    expect(json(server.requestsTo('/v5/order/cancel-all')[0]!.body)).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
    });
  });

  it('setDisconnectCancelAll posts the DCP window and checks its range', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/disconnected-cancel-all', () => ({ body: envelope({}) }));
    await rest.setDisconnectCancelAll(10);
    expect(server.requestsTo('/v5/order/disconnected-cancel-all')[0]!.body).toBe(
      '{"product":"DERIVATIVES","timeWindow":10}',
    );
    await expect(rest.setDisconnectCancelAll(2)).rejects.toBeInstanceOf(InvariantError);
    expect(server.requestsTo('/v5/order/disconnected-cancel-all')).toHaveLength(1);
  });
});

describe('batches', () => {
  it('aligns a partially failed create batch item by item', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/create-batch', () => ({
      body: envelope(
        {
          list: [
            {
              category: 'linear',
              symbol: 'BTCUSDT',
              orderId: 'b-1',
              orderLinkId: 'mm-1',
              createAt: '1713434102752',
            },
            { category: 'linear', symbol: 'BTCUSDT', orderId: '', orderLinkId: 'mm-2', createAt: '' },
            { category: 'linear', symbol: 'BTCUSDT', orderId: '', orderLinkId: '', createAt: '' },
          ],
        },
        {
          retExtInfo: {
            list: [
              { code: 0, msg: 'OK' },
              { code: 10001, msg: 'position idx not match position mode' },
              { code: 10006, msg: 'Too many visits' },
            ],
          },
        },
      ),
    }));
    const item = (n: number) => ({
      symbol: 'BTCUSDT',
      side: 'Buy' as const,
      orderType: 'Limit' as const,
      qty: '0.001',
      price: String(50000 - n),
      timeInForce: 'PostOnly' as const,
      orderLinkId: `mm-${n}`,
    });
    const results = await rest.createOrderBatch([item(1), item(2), item(3)]);
    expect(results[0]).toEqual({ ok: true, orderId: 'b-1', orderLinkId: 'mm-1' });
    expect(results[1]).toMatchObject({ ok: false, code: 10001, orderId: '', orderLinkId: 'mm-2' });
    expect(results[1]!.ok || results[1]!.error).toBeInstanceOf(ExchangeRejectedError);
    // The answer left the third item's ids empty: they come from the request.
    expect(results[2]).toMatchObject({ ok: false, code: 10006, orderLinkId: 'mm-3' });
    expect(results[2]!.ok || results[2]!.error).toBeInstanceOf(RateLimitedError);
    const body = json(server.requestsTo('/v5/order/create-batch')[0]!.body) as {
      category: string;
      request: unknown[];
    };
    expect(body.category).toBe('linear');
    expect(body.request).toEqual([item(1), item(2), item(3)]);
  });

  it('maps a cancel batch item for an unknown order to OrderNotFoundError', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/cancel-batch', () => ({
      body: envelope(
        {
          list: [
            { category: 'linear', symbol: 'BTCUSDT', orderId: '', orderLinkId: '' },
            { category: 'linear', symbol: 'BTCUSDT', orderId: 'c-2', orderLinkId: 'mm-2' },
          ],
        },
        {
          retExtInfo: {
            list: [
              { code: 110001, msg: 'Order does not exist' },
              { code: 0, msg: 'OK' },
            ],
          },
        },
      ),
    }));
    const results = await rest.cancelOrderBatch([
      { symbol: 'BTCUSDT', orderId: 'c-1' },
      { symbol: 'BTCUSDT', orderLinkId: 'mm-2' },
    ]);
    expect(results[0]).toMatchObject({ ok: false, code: 110001, orderId: 'c-1' });
    expect(results[0]!.ok || results[0]!.error).toBeInstanceOf(OrderNotFoundError);
    expect(results[1]).toEqual({ ok: true, orderId: 'c-2', orderLinkId: 'mm-2' });
  });

  it('returns every amend batch item in order', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/amend-batch', () => ({
      body: envelope(
        {
          list: [
            { orderId: 'a-1', orderLinkId: 'mm-1' },
            { orderId: 'a-2', orderLinkId: 'mm-2' },
          ],
        },
        {
          retExtInfo: {
            list: [
              { code: 0, msg: 'OK' },
              { code: 0, msg: 'OK' },
            ],
          },
        },
      ),
    }));
    const results = await rest.amendOrderBatch([
      { symbol: 'BTCUSDT', orderLinkId: 'mm-1', price: '1.0' },
      { symbol: 'BTCUSDT', orderLinkId: 'mm-2', qty: '0.002' },
    ]);
    expect(results.map((r) => r.ok && r.orderId)).toEqual(['a-1', 'a-2']);
  });

  it('refuses a batch answer whose lists do not line up with the request', async () => {
    const { server, rest } = await harness();
    server.route('POST', '/v5/order/cancel-batch', () => ({
      body: envelope(
        { list: [{ orderId: 'c-1', orderLinkId: 'mm-1' }] },
        { retExtInfo: { list: [{ code: 0, msg: 'OK' }] } },
      ),
    }));
    const err = await rest
      .cancelOrderBatch([
        { symbol: 'BTCUSDT', orderLinkId: 'mm-1' },
        { symbol: 'BTCUSDT', orderLinkId: 'mm-2' },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
  });

  it('refuses more than 20 orders per batch and sends nothing for an empty one', async () => {
    const { server, rest } = await harness();
    const many = Array.from({ length: 21 }, (_, i) => ({ symbol: 'BTCUSDT', orderLinkId: `mm-${i}` }));
    await expect(rest.cancelOrderBatch(many)).rejects.toBeInstanceOf(InvariantError);
    await expect(rest.cancelOrderBatch([])).resolves.toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('queries', () => {
  it('getOpenOrders follows nextPageCursor through every page', async () => {
    const { server, rest } = await harness();
    const cursor1 = 'page_args%3De09b7733%26symbol%3D6%26';
    const cursor2 = 'page_args%3Did-3%26symbol%3D6%26';
    server.route('GET', '/v5/order/realtime', (req) => {
      const cursor = new URLSearchParams(req.query).get('cursor');
      if (cursor === null)
        return {
          body: envelope({ category: 'linear', list: [order(1), order(2)], nextPageCursor: cursor1 }),
        };
      if (cursor === cursor1)
        return { body: envelope({ category: 'linear', list: [order(3)], nextPageCursor: cursor2 }) };
      return { body: envelope({ category: 'linear', list: [order(4)], nextPageCursor: '' }) };
    });
    const orders = await rest.getOpenOrders({ symbol: 'XRPUSDT' });
    expect(orders.map((o) => o.orderLinkId)).toEqual(['mm-lq2-1', 'mm-lq2-2', 'mm-lq2-3', 'mm-lq2-4']);
    expect(orders[0]).toMatchObject({ price: '2.5293', qty: '10', orderStatus: 'New', side: 'Buy' });
    const queries = server.requestsTo('/v5/order/realtime').map((r) => r.query);
    expect(queries).toEqual([
      'category=linear&symbol=XRPUSDT&limit=50',
      `category=linear&symbol=XRPUSDT&limit=50&cursor=${encodeURIComponent(cursor1)}`,
      `category=linear&symbol=XRPUSDT&limit=50&cursor=${encodeURIComponent(cursor2)}`,
    ]);
  });

  it('getOpenOrders without a symbol covers settleCoin USDT and passes openOnly', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/order/realtime', () => ({
      body: envelope({ category: 'linear', list: [], nextPageCursor: '' }),
    }));
    await rest.getOpenOrders();
    await rest.getOpenOrders({ orderLinkId: 'mm-7', openOnly: 1 });
    expect(server.requestsTo('/v5/order/realtime').map((r) => r.query)).toEqual([
      'category=linear&settleCoin=USDT&limit=50',
      'category=linear&orderLinkId=mm-7&openOnly=1&limit=50',
    ]);
  });

  it('refuses a cursor that comes back twice instead of looping', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/order/realtime', () => ({
      body: envelope({ category: 'linear', list: [order(1)], nextPageCursor: 'same' }),
    }));
    await expect(rest.getOpenOrders({ symbol: 'XRPUSDT' })).rejects.toBeInstanceOf(BadResponseError);
    expect(server.requestsTo('/v5/order/realtime')).toHaveLength(2);
  });

  it('refuses an order whose price is not a decimal', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/order/realtime', () => ({
      body: envelope({ category: 'linear', list: [{ ...ORDER_XRP, price: 'abc' }], nextPageCursor: '' }),
    }));
    const err = await rest.getOpenOrders({ symbol: 'XRPUSDT' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toContain('price');
  });

  it('getExecutions parses executions and pages with startTime', async () => {
    const { server, rest } = await harness();
    server.enqueue('GET', '/v5/execution/list', {
      body: envelope({ category: 'linear', list: [EXECUTION], nextPageCursor: 'c2' }),
    });
    server.enqueue('GET', '/v5/execution/list', {
      body: envelope({
        category: 'linear',
        list: [{ ...EXECUTION, execId: 'x-2', isMaker: true }],
        nextPageCursor: '',
      }),
    });
    const execs = await rest.getExecutions({ symbol: 'ETHPERP', startTime: 1672282000000 });
    expect(execs.map((e) => [e.execId, e.isMaker])).toEqual([
      ['e0cbe81d-0f18-5866-9415-cf319b5dab3b', false],
      ['x-2', true],
    ]);
    expect(execs[0]).toMatchObject({
      execPrice: '1190.15',
      execQty: '0.1',
      execFee: '0.071409',
      seq: 4688002127,
    });
    expect(server.requestsTo('/v5/execution/list')[1]!.query).toBe(
      'category=linear&symbol=ETHPERP&startTime=1672282000000&limit=100&cursor=c2',
    );
  });

  it('getPositions parses a position row', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/position/list', () => ({
      body: envelope({ category: 'linear', list: [POSITION], nextPageCursor: '' }),
    }));
    const [p] = await rest.getPositions('XRPUSDT');
    expect(p).toMatchObject({
      symbol: 'XRPUSDT',
      side: 'Buy',
      size: '4',
      avgPrice: '2.7862',
      positionIdx: 0,
    });
    await rest.getPositions();
    expect(server.requestsTo('/v5/position/list').map((r) => r.query)).toEqual([
      'category=linear&symbol=XRPUSDT&limit=200',
      'category=linear&settleCoin=USDT&limit=200',
    ]);
  });

  it('getPositions accepts a flat position', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/position/list', () => ({
      body: envelope({ list: [{ ...POSITION, side: '', size: '0', avgPrice: '0' }], nextPageCursor: '' }),
    }));
    await expect(rest.getPositions('XRPUSDT')).resolves.toMatchObject([{ side: '', size: '0' }]);
  });

  it('getWalletBalance returns the unified account', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/account/wallet-balance', () => ({ body: envelope({ list: [WALLET] }) }));
    const w = await rest.getWalletBalance();
    expect(w).toMatchObject({ accountType: 'UNIFIED', totalEquity: '1001.52819962' });
    expect(w.coin[0]).toMatchObject({ coin: 'USDT', walletBalance: '1000.05007561' });
    expect(server.requestsTo('/v5/account/wallet-balance')[0]!.query).toBe('accountType=UNIFIED&coin=USDT');
  });

  it('getWalletBalance refuses an empty account list', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/account/wallet-balance', () => ({ body: envelope({ list: [] }) }));
    await expect(rest.getWalletBalance()).rejects.toBeInstanceOf(BadResponseError);
  });

  it('getInstruments returns domain specs equal to the real BTCUSDT rules', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/market/instruments-info', () => ({
      body: envelope({ category: 'linear', list: [BTCUSDT], nextPageCursor: '' }),
    }));
    const specs = await rest.getInstruments('BTCUSDT');
    expect(specs).toEqual([DEFAULT_INSTRUMENTS[0]]);
    expect(toInstrument(specs[0]!)).toMatchObject({
      priceDecimals: 2,
      tickUnits: 10,
      qtyDecimals: 3,
      lotUnits: 1,
    });
    const [req] = server.requestsTo('/v5/market/instruments-info');
    expect(req!.query).toBe('category=linear&symbol=BTCUSDT&limit=1000');
    expect(req!.headers['x-bapi-sign']).toBeUndefined();
  });

  it('getOrderbook returns the snapshot with string levels', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/market/orderbook', () => ({
      body: envelope({
        s: 'BTCUSDT',
        a: [['65557.7', '16.606555']],
        b: [['65485.47', '47.081829']],
        ts: 1716863719031,
        u: 230704,
        seq: 1432604333,
        cts: 1716863718905,
      }),
    }));
    await expect(rest.getOrderbook('BTCUSDT', 1)).resolves.toEqual({
      symbol: 'BTCUSDT',
      bids: [['65485.47', '47.081829']],
      asks: [['65557.7', '16.606555']],
      ts: 1716863719031,
      u: 230704,
      seq: 1432604333,
    });
    expect(server.requestsTo('/v5/market/orderbook')[0]!.query).toBe(
      'category=linear&symbol=BTCUSDT&limit=1',
    );
  });

  it('getServerTime reads milliseconds from timeNano', async () => {
    const { server, rest } = await harness();
    server.route('GET', '/v5/market/time', () => ({
      body: envelope({ timeSecond: '1688639403', timeNano: '1688639403423213947' }, { time: 1688639403423 }),
    }));
    await expect(rest.getServerTime()).resolves.toBe(1688639403423);
  });
});
