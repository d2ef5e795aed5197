/**
 * The one schema of the configuration. config/config.yaml holds every key with its default; a user
 * file holds only what differs and is merged over it. Every object is strict, so a misspelt key is
 * refused by name instead of silently ignored (the original shipped a config its own validator
 * rejected with 49 errors; ours is tested against this schema both ways).
 */
import { z } from 'zod';
import { journalSchema } from './sections/journal.js';
import { recorderSchema } from './sections/recorder.js';
import { soakSchema } from './sections/soak.js';
import { webSchema } from './sections/web.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
const decimalString = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a decimal number written as a string, such as "0.001"');
const url = z.union([z.literal(''), z.url()]);
const symbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'an upper-case symbol such as BTCUSDT');

const faultKind = z.enum([
  'drop_public',
  'drop_private',
  'drop_trade',
  'stall_public',
  'silent_public',
  'skip_u',
  'reset_u',
  'rest_5xx',
  'rest_slow',
  'rate_limit_burst',
  'reject_orders',
  'restart',
]);

const faultEntry = z.strictObject({
  kind: faultKind,
  /** Seconds between two occurrences. */
  every_s: num(1, 86_400),
  /** Seconds before the first occurrence (defaults to every_s). */
  first_at_s: num(0, 86_400).optional(),
  /** For stalls and silences: how long the socket stays quiet. */
  duration_ms: int(0, 600_000).optional(),
  /** For rest_5xx, rate_limit_burst and reject_orders: how many requests are affected. */
  count: int(1, 10_000).optional(),
  /** For rest_slow: the added latency. */
  delay_ms: int(0, 120_000).optional(),
});

const configShape = z.strictObject({
  /** paper: the embedded simulator; testnet, live, external: the URLs of the exchange section. */
  mode: z.enum(['paper', 'testnet', 'live', 'external']),
  instance: z.strictObject({
    /** Every orderLinkId starts with `<prefix>-`; orders without it are never touched. */
    prefix: z.string().regex(/^[A-Za-z0-9]{1,12}$/, '1 to 12 letters or digits'),
    /** Seed of every random draw (backoff jitter, the paper simulator's market). */
    seed: int(0, 2 ** 31 - 1),
  }),
  symbols: z.array(symbol).min(1).max(20),
  exchange: z.strictObject({
    name: z.literal('bybit'),
    category: z.literal('linear'),
    rest_url: url,
    ws_public_url: url,
    ws_private_url: url,
    ws_trade_url: url,
    recv_window_ms: int(1_000, 60_000),
    /** rest, or ws for the WebSocket trade API (REST stays the fallback). */
    order_entry: z.enum(['rest', 'ws']),
    /** Disconnect-cancel-all: the venue cancels our orders when the private socket is gone this long. */
    enable_dcp: z.boolean(),
    dcp_window_s: int(3, 300),
    /** What the start-up sweep does with open orders of ours it does not know: cancel or adopt. */
    startup_orders: z.enum(['cancel', 'adopt']),
    reconcile_interval_s: num(1, 3_600),
    request_timeout_ms: int(100, 120_000),
    max_retries: int(0, 10),
  }),
  connection_pool: z.strictObject({
    limit: int(1, 10_000),
    limit_per_host: int(1, 10_000),
    /** Seconds an idle keep-alive socket is kept. */
    keepalive_timeout: num(0.1, 3_600),
    /** Seconds a DNS answer is cached. */
    ttl_dns_cache: num(0, 86_400),
    connect_timeout: num(0.1, 600),
    sock_read_timeout: num(0.1, 600),
    total_timeout: num(0.1, 600),
  }),
  websocket: z.strictObject({
    ping_interval_ms: int(1_000, 600_000),
    pong_timeout_ms: int(100, 120_000),
    base_reconnect_delay_ms: int(10, 600_000),
    max_reconnect_delay_ms: int(10, 600_000),
    /** Consecutive failed attempts before giving up (0: never give up). */
    max_reconnect_attempts: int(0, 1_000_000),
    connect_timeout_ms: int(100, 120_000),
    request_timeout_ms: int(100, 120_000),
  }),
  book: z.strictObject({
    depth: z.union([z.literal(1), z.literal(50), z.literal(200), z.literal(1000)]),
    /** No book data for this long marks the book stale, even while pings succeed. */
    stale_after_ms: int(100, 600_000),
  }),
  strategy: z.strictObject({
    fair_price: z.enum(['mid', 'microprice']),
    enable_dynamic_spread: z.boolean(),
    enable_inventory_skew: z.boolean(),
    /** Quoted spread (both sides together) when dynamic spread is off, and its floor. */
    min_spread_bps: num(0, 10_000),
    max_spread_bps: num(0, 10_000),
    /** Dynamic spread = k_vola_spread · EWMA volatility (bps), clamped to [min, max]. */
    k_vola_spread: num(0, 100),
    vola_half_life_s: num(0.1, 86_400),
    /** Horizon the volatility is expressed over (bps per √horizon): about how long a quote rests. */
    vola_horizon_s: num(0.1, 86_400),
    /** Price shift in bps per unit of inventory ratio (position / max position). */
    skew_coeff: num(0, 10_000),
    /** Size skew: the side that adds to inventory shrinks by this fraction at full inventory. */
    size_skew_coeff: num(0, 1),
    levels_per_side: int(1, 20),
    /** Distance between levels, as a fraction of the spread. */
    level_spacing_coeff: num(0, 100),
    /** Base size of the first level. */
    order_size: decimalString,
    /** Each further level's size is the previous one times this. */
    level_size_multiplier: num(0.1, 10),
    /** Amend only when the price moved past this many bps (or the size changed). */
    refresh_tolerance_bps: num(0, 10_000),
    /** Minimum time between two requotes of one symbol. */
    requote_interval_ms: int(0, 600_000),
    post_only: z.boolean(),
  }),
  risk: z.strictObject({
    enable_kill_switch: z.boolean(),
    /** Largest absolute position per symbol, in base units. */
    max_position_base: decimalString,
    /** Largest absolute position notional per symbol, in quote currency. */
    max_position_usd: num(0, 1e12),
    /** Above this share of either position limit, only risk-reducing orders are sent. */
    reduce_only_ratio: num(0, 1),
    daily_max_loss_usd: num(0, 1e12),
    max_drawdown_usd: num(0, 1e12),
    /** Round trips closed at a loss in a row before the kill switch trips. */
    max_consecutive_losses: int(1, 1_000),
    /** Market data older than this halts. */
    max_stale_market_data_ms: int(100, 3_600_000),
    /** Share of rejected orders over the window that halts. */
    max_reject_rate: num(0, 1),
    reject_rate_window: int(1, 10_000),
    max_event_loop_lag_ms: int(1, 600_000),
    /** On halt, exit (and let the process manager restart) instead of cancelling and staying up. */
    exit_on_halt: z.boolean(),
  }),
  limits: z.strictObject({
    max_active_per_side: int(1, 500),
    /** Our own order-request budget per second, below Bybit's 10/s per endpoint. */
    max_requests_per_sec: int(1, 1_000),
  }),
  monitoring: z.strictObject({
    enable_prometheus: z.boolean(),
    metrics_host: z.string().min(1),
    metrics_port: int(0, 65_535),
    status_line: z.boolean(),
  }),
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    /** Empty: standard output. */
    file: z.string(),
    /** Also redact order ids (UUIDs, orderId and orderLinkId values) from log text. */
    redact_order_ids: z.boolean(),
  }),
  supervisor: z.strictObject({
    /** Restarts allowed within the window before the supervisor escalates to shutdown. */
    restart_budget: int(0, 1_000),
    restart_window_ms: int(1_000, 86_400_000),
    restart_backoff_ms: int(0, 600_000),
  }),
  shutdown: z.strictObject({
    /** The bot's own deadline for the whole sequence. */
    deadline_ms: int(1_000, 600_000),
    cancel_timeout_ms: int(100, 600_000),
    close_timeout_ms: int(100, 600_000),
    flush_timeout_ms: int(100, 600_000),
  }),
  recorder: recorderSchema,
  journal: journalSchema,
  web: webSchema,
  soak: soakSchema,
  sim: z.strictObject({
    host: z.string().min(1),
    /** 0: an ephemeral port. */
    port: int(0, 65_535),
    seed: int(0, 2 ** 31 - 1),
    symbols: z.array(symbol).min(1),
    /** Start price per symbol. */
    start_prices: z.record(symbol, z.number().positive()),
    push_interval_ms: int(1, 60_000),
    /** Annualised volatility of the calm regime. */
    volatility: num(0, 10),
    /** Mean aggressive (taker) trades per second per symbol, the flow that fills resting orders. */
    taker_rate_per_s: num(0, 1_000),
    maker_fee_rate: num(-0.01, 0.01),
    taker_fee_rate: num(-0.01, 0.01),
    initial_balance_usdt: num(0, 1e12),
    rate_limit_per_s: int(1, 10_000),
    faults: z.strictObject({
      enabled: z.boolean(),
      schedule: z.array(faultEntry),
    }),
  }),
});

/** Rules across keys; each names the key it refuses. */
export const configSchema = configShape.superRefine((c, ctx) => {
  const refuse = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (c.connection_pool.limit_per_host > c.connection_pool.limit)
    refuse(
      ['connection_pool', 'limit_per_host'],
      `at most connection_pool.limit (${c.connection_pool.limit})`,
    );
  if (c.connection_pool.connect_timeout > c.connection_pool.total_timeout)
    refuse(['connection_pool', 'connect_timeout'], 'at most connection_pool.total_timeout');
  if (c.connection_pool.sock_read_timeout > c.connection_pool.total_timeout)
    refuse(['connection_pool', 'sock_read_timeout'], 'at most connection_pool.total_timeout');
  if (c.strategy.min_spread_bps > c.strategy.max_spread_bps)
    refuse(['strategy', 'min_spread_bps'], `at most strategy.max_spread_bps (${c.strategy.max_spread_bps})`);
  if (c.websocket.base_reconnect_delay_ms > c.websocket.max_reconnect_delay_ms)
    refuse(['websocket', 'base_reconnect_delay_ms'], 'at most websocket.max_reconnect_delay_ms');
  if (c.websocket.pong_timeout_ms >= c.websocket.ping_interval_ms)
    refuse(['websocket', 'pong_timeout_ms'], 'less than websocket.ping_interval_ms');
  c.sim.symbols.forEach((s, i) => {
    if (c.sim.start_prices[s] === undefined)
      refuse(['sim', 'symbols', i], `a symbol with a price in sim.start_prices (${s} has none)`);
  });
  if (c.mode === 'paper') {
    c.symbols.forEach((s, i) => {
      if (!c.sim.symbols.includes(s))
        refuse(['symbols', i], `a symbol the simulator lists in sim.symbols (${s} is not)`);
    });
  } else {
    for (const k of ['rest_url', 'ws_public_url', 'ws_private_url'] as const) {
      if (c.exchange[k] === '') refuse(['exchange', k], `a URL when mode is ${c.mode}`);
    }
    if (c.exchange.order_entry === 'ws' && c.exchange.ws_trade_url === '')
      refuse(['exchange', 'ws_trade_url'], 'a URL when exchange.order_entry is ws');
  }
});

export type Config = z.infer<typeof configShape>;
export type FaultEntry = z.infer<typeof faultEntry>;
export type FaultKind = z.infer<typeof faultKind>;
