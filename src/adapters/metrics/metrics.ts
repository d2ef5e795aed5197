/**
 * The metric catalogue. Names kept from the original checklist (DESIGN §8) are exact; everything
 * else is mm_<area>_<thing>_<unit>. Each bot gets its own Registry so tests never share series.
 * Labels have bounded values only (exchange, ws_type, endpoint, symbol, side, outcome): never an id.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type WsType = 'public' | 'private' | 'trade';

export class Metrics {
  readonly registry: Registry;

  // WebSocket (names from the original checklist)
  readonly wsReconnectAttempts: Counter<'exchange' | 'ws_type'>;
  readonly wsReconnectDelay: Histogram<'exchange' | 'ws_type'>;
  readonly wsMaxReconnectReached: Counter<'exchange' | 'ws_type'>;
  readonly wsFramesRejected: Counter<'exchange' | 'ws_type' | 'reason'>;
  readonly wsMessages: Counter<'exchange' | 'ws_type'>;

  // HTTP pool (names from the original checklist)
  readonly httpPoolLimit: Gauge<'exchange'>;
  readonly httpPoolActive: Gauge<'exchange'>;
  readonly httpPoolIdle: Gauge<'exchange'>;

  // REST
  readonly restRequests: Counter<'exchange' | 'endpoint' | 'outcome'>;
  readonly restLatency: Histogram<'exchange' | 'endpoint'>;
  readonly restRateLimitRemaining: Gauge<'exchange' | 'endpoint'>;
  readonly restRetries: Counter<'exchange' | 'endpoint' | 'reason'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.wsReconnectAttempts = new Counter({
      name: 'ws_reconnect_attempts_total',
      help: 'WebSocket reconnection attempts.',
      labelNames: ['exchange', 'ws_type'],
      registers,
    });
    this.wsReconnectDelay = new Histogram({
      name: 'ws_reconnect_delay_seconds',
      help: 'Delay before each WebSocket reconnection attempt.',
      labelNames: ['exchange', 'ws_type'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.wsMaxReconnectReached = new Counter({
      name: 'ws_max_reconnect_reached_total',
      help: 'Times a WebSocket gave up after its maximum number of reconnection attempts.',
      labelNames: ['exchange', 'ws_type'],
      registers,
    });
    this.wsFramesRejected = new Counter({
      name: 'mm_ws_frames_rejected_total',
      help: 'Inbound WebSocket frames that failed their schema and were dropped.',
      labelNames: ['exchange', 'ws_type', 'reason'],
      registers,
    });
    this.wsMessages = new Counter({
      name: 'mm_ws_messages_total',
      help: 'Inbound WebSocket messages.',
      labelNames: ['exchange', 'ws_type'],
      registers,
    });
    this.httpPoolLimit = new Gauge({
      name: 'http_pool_connections_limit',
      help: 'Connection limit of the HTTP pool.',
      labelNames: ['exchange'],
      registers,
    });
    this.httpPoolActive = new Gauge({
      name: 'http_pool_connections_active',
      help: 'HTTP pool connections with a request in flight.',
      labelNames: ['exchange'],
      registers,
    });
    this.httpPoolIdle = new Gauge({
      name: 'http_pool_connections_idle',
      help: 'Open HTTP pool connections with no request in flight.',
      labelNames: ['exchange'],
      registers,
    });
    this.restRequests = new Counter({
      name: 'mm_rest_requests_total',
      help: 'REST requests by endpoint and outcome.',
      labelNames: ['exchange', 'endpoint', 'outcome'],
      registers,
    });
    this.restLatency = new Histogram({
      name: 'mm_rest_latency_seconds',
      help: 'REST round-trip latency by endpoint.',
      labelNames: ['exchange', 'endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.restRateLimitRemaining = new Gauge({
      name: 'mm_rest_rate_limit_remaining',
      help: 'Requests left in the current rate-limit window (X-Bapi-Limit-Status).',
      labelNames: ['exchange', 'endpoint'],
      registers,
    });
    this.restRetries = new Counter({
      name: 'mm_rest_retries_total',
      help: 'REST requests retried, by reason.',
      labelNames: ['exchange', 'endpoint', 'reason'],
      registers,
    });
  }

  /** Creates the series of one socket at zero, so dashboards and alerts never see a gap. */
  initSocket(exchange: string, wsType: WsType): void {
    const labels = { exchange, ws_type: wsType };
    this.wsReconnectAttempts.inc(labels, 0);
    this.wsMaxReconnectReached.inc(labels, 0);
    this.wsReconnectDelay.zero(labels);
    this.wsMessages.inc(labels, 0);
  }
}
