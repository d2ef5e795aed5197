import { describe, expect, it } from 'vitest';
import { classifyRetCode, errorForRetCode } from '../../../../src/adapters/bybit/rest/ret-codes.js';
import {
  AuthError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  OrderNotFoundError,
  RateLimitedError,
  TimestampError,
} from '../../../../src/errors.js';

describe('retCode mapping', () => {
  it.each([
    [0, 'ok'],
    [10006, 'rate_limited'],
    [10002, 'timestamp'],
    [10003, 'auth'],
    [10004, 'auth'],
    [10005, 'auth'],
    [10007, 'auth'],
    [110001, 'not_found'],
    [110008, 'not_found'],
    [170213, 'not_found'],
    [10000, 'unavailable'],
    [10016, 'unavailable'],
    [10001, 'rejected'],
    [110007, 'rejected'],
    [110072, 'rejected'],
    [-1, 'rejected'],
  ])('classifies %i as %s', (code, cls) => {
    expect(classifyRetCode(code)).toBe(cls);
  });

  it('builds the typed error of each class with its payload fields', () => {
    expect(errorForRetCode(10006, 'Too many visits', '/e', 750)).toMatchObject({ retryAfterMs: 750 });
    expect(errorForRetCode(10006, 'x', '/e', 750)).toBeInstanceOf(RateLimitedError);
    expect(errorForRetCode(10002, 'ts', '/e', 0)).toBeInstanceOf(TimestampError);
    expect(errorForRetCode(10004, 'error sign!', '/e', 0)).toBeInstanceOf(AuthError);
    expect(errorForRetCode(170213, 'Order does not exist.', '/e', 0)).toBeInstanceOf(OrderNotFoundError);
    expect(errorForRetCode(10016, 'System error', '/e', 0, 200)).toBeInstanceOf(ExchangeUnavailableError);
    expect(errorForRetCode(10016, 'System error', '/e', 0, 200)).toMatchObject({
      status: 200,
      retCode: 10016,
    });
    const rejected = errorForRetCode(110094, 'order notional below minimum', '/v5/order/create', 0);
    expect(rejected).toBeInstanceOf(ExchangeRejectedError);
    expect(rejected).toMatchObject({
      retCode: 110094,
      retMsg: 'order notional below minimum',
      endpoint: '/v5/order/create',
      code: 'MM_EXCHANGE_REJECTED',
    });
  });
});
