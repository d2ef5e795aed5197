import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/adapters/metrics/metrics.js';

describe('Metrics: message tallies', () => {
  it('adds what sockets counted to mm_ws_messages_total whenever it is read', async () => {
    const registry = new Registry();
    const metrics = new Metrics(registry);
    const publicTally = metrics.messageTally('bybit', 'public');
    // A second socket of the same kind (a reconnect) counts into the same series.
    expect(metrics.messageTally('bybit', 'public')).toBe(publicTally);
    const privateTally = metrics.messageTally('bybit', 'private');

    const before = await registry.getSingleMetricAsString('mm_ws_messages_total');
    expect(before).toContain('mm_ws_messages_total{exchange="bybit",ws_type="public"} 0');
    expect(before).toContain('mm_ws_messages_total{exchange="bybit",ws_type="private"} 0');

    publicTally.count += 3;
    privateTally.count += 1;
    const first = await registry.metrics();
    expect(first).toContain('mm_ws_messages_total{exchange="bybit",ws_type="public"} 3');
    expect(first).toContain('mm_ws_messages_total{exchange="bybit",ws_type="private"} 1');

    publicTally.count += 2;
    const second = await registry.getSingleMetricAsString('mm_ws_messages_total');
    expect(second).toContain('mm_ws_messages_total{exchange="bybit",ws_type="public"} 5');
    expect(second).toContain('mm_ws_messages_total{exchange="bybit",ws_type="private"} 1');
  });
});
