/**
 * The bytes we send match those of bybit-api (the most used TypeScript client), request for
 * request: a server that verifies one verifies the other.
 */
import { RestClientV5 } from 'bybit-api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { credentials } from '../../../../src/adapters/secrets/secret.js';
import { signRest } from '../../../../src/adapters/bybit/sign.js';
import { envelope } from '../../../helpers/http-server.js';
import { API_KEY, API_SECRET, startHarness, type Harness } from './harness.js';

const envelopeFree = z.looseObject({});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('wire compatibility with bybit-api', () => {
  it('sends the same query string and body as bybit-api, both correctly signed', async () => {
    h = await startHarness();
    h.server.route('GET', '/v5/order/realtime', () => ({ body: envelope({ list: [], nextPageCursor: '' }) }));
    h.server.route('POST', '/v5/order/create', () => ({
      body: envelope({ orderId: 'o', orderLinkId: 'mm-1' }),
    }));
    const theirs = new RestClientV5({ key: API_KEY, secret: API_SECRET, baseUrl: h.server.url });
    const cursor = 'page_args%3Dabc%26symbol%3D6%26';
    const order = {
      category: 'linear' as const,
      symbol: 'BTCUSDT',
      side: 'Buy' as const,
      orderType: 'Limit' as const,
      qty: '0.001',
      price: '50000',
      timeInForce: 'PostOnly' as const,
      orderLinkId: 'mm-1',
    };

    await theirs.getActiveOrders({ category: 'linear', symbol: 'BTCUSDT', limit: 50, cursor });
    await theirs.submitOrder(order);
    await h.rest.call({
      method: 'GET',
      path: '/v5/order/realtime',
      params: { category: 'linear', symbol: 'BTCUSDT', limit: 50, cursor },
      signed: true,
      write: false,
      result: envelopeFree,
    });
    await h.rest.createOrder(order);

    const [theirGet, ourGet] = h.server.requestsTo('/v5/order/realtime');
    const [theirPost, ourPost] = h.server.requestsTo('/v5/order/create');
    expect(ourGet!.query).toBe(theirGet!.query);
    expect(ourPost!.body).toBe(theirPost!.body);
    const creds = credentials(API_KEY, API_SECRET);
    for (const [req, payload] of [
      [theirGet!, theirGet!.query],
      [ourGet!, ourGet!.query],
      [theirPost!, theirPost!.body],
      [ourPost!, ourPost!.body],
    ] as const) {
      const ts = Number(req.headers['x-bapi-timestamp']);
      const recv = Number(req.headers['x-bapi-recv-window']);
      expect(req.headers['x-bapi-sign']).toBe(signRest(creds, ts, recv, payload));
    }
  });
});
