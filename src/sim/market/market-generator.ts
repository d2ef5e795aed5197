/**
 * Drives one symbol's synthetic market on the injected clock. Each step:
 *  1. advances the latent mid (price-process.ts) and derives the synthetic touch: best bid b and
 *     best ask a = b + spread, in ticks;
 *  2. sweeps whatever would now be crossed: synthetic sellers take every bid at or above a, and
 *     buyers every ask at or below b. This is how the market "moves through" resting user orders,
 *     which then fill as makers, and it keeps the book uncrossed;
 *  3. slides the synthetic window (WINDOW_TICKS per side) to the new touch: synthetic depth above
 *     b or below a is withdrawn (user orders there stay), new prices get drawn sizes;
 *  4. redraws a few random levels (biased to the top) and refills an emptied touch;
 *  5. fires the synthetic takers whose Poisson arrival times have passed, which trade against the
 *     touch and so against user orders once the queue ahead of them is gone.
 * The step interval is the book push interval, and every draw comes from the symbol's own Rng.
 */
import type { Clock, TimerId } from '../../domain/clock.js';
import type { Instrument } from '../../domain/instrument.js';
import { pow10 } from '../../domain/decimal.js';
import type { Rng } from '../../domain/random.js';
import type { Exchange } from '../engine/exchange.js';
import { advancePrice, REGIMES, type PriceState, type Regime } from './price-process.js';
import { depthModel, drawLevel, drawTakerQty, WINDOW_TICKS, type DepthModel } from './synthetic-depth.js';

/** Level redraws per second per side. */
const PERTURB_RATE_PER_S = 150;
/** Mean time for an emptied touch level to be refilled. */
const REFILL_MEAN_MS = 250;
/** A single step never covers more than this much time (a stalled event loop does not teleport prices). */
const MAX_STEP_MS = 1000;
/** How far past the touch a synthetic taker may walk, in ticks. */
const TAKER_WALK_TICKS = 5;
/** Extra depth tolerated beyond WINDOW_TICKS before the far end is trimmed. */
const FAR_SLACK = 200;

export interface MarketParams {
  readonly startPrice: number;
  /** Annualised volatility of the calm regime. */
  readonly volatility: number;
  /** Synthetic aggressive trades per second in the calm regime. */
  readonly takerRatePerS: number;
  readonly stepMs: number;
}

export class MarketGenerator {
  readonly #exchange: Exchange;
  readonly #inst: Instrument;
  readonly #rng: Rng;
  readonly #params: MarketParams;
  readonly #depth: DepthModel;
  readonly #price: PriceState;
  readonly #tick: number;
  #bid = 0;
  #ask = 0;
  /** Deepest tick of synthetic depth on each side. */
  #farBid = 0;
  #farAsk = 0;
  #last = 0;
  #nextTakerAt = Infinity;
  #timer: TimerId = undefined;
  #armed = false;
  #clock: Clock | undefined;
  #steps = 0;

  constructor(exchange: Exchange, inst: Instrument, rng: Rng, params: MarketParams) {
    this.#exchange = exchange;
    this.#inst = inst;
    this.#rng = rng;
    this.#params = params;
    this.#tick = inst.tickUnits;
    this.#depth = depthModel(params.startPrice, pow10(inst.qtyDecimals), inst.lotUnits);
    this.#price = { mid: params.startPrice * pow10(inst.priceDecimals), regime: 'calm' };
  }

  get regime(): Regime {
    return this.#price.regime;
  }

  /** The latent mid in price units. */
  get mid(): number {
    return this.#price.mid;
  }

  get steps(): number {
    return this.#steps;
  }

  /** Builds the initial book at `now` and starts stepping on the clock. */
  start(clock: Clock): void {
    this.#clock = clock;
    const now = clock.now();
    this.#last = now;
    this.#touchFromMid();
    this.#farBid = this.#bid + 1;
    this.#farAsk = this.#ask - 1;
    this.#keepDepth(true);
    this.#keepDepth(false);
    this.#exchange.setMark(this.#inst.symbol, this.#mark());
    this.#scheduleTaker(now);
    this.#arm();
  }

  stop(): void {
    if (this.#armed && this.#clock !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armed = false;
    this.#clock = undefined;
  }

  #arm(): void {
    const clock = this.#clock;
    if (clock === undefined) return;
    this.#armed = true;
    this.#timer = clock.setTimeout(() => {
      this.#armed = false;
      this.step(clock.now());
      this.#arm();
    }, this.#params.stepMs);
  }

  /** Advances the market to `now` (exposed for tests that step by hand). */
  step(now: number): void {
    const dt = Math.min(MAX_STEP_MS, Math.max(0, now - this.#last));
    this.#last = now;
    this.#steps++;
    const prevBid = this.#bid;
    const prevAsk = this.#ask;
    advancePrice(this.#price, dt, this.#params.volatility, this.#rng, 100 * this.#tick);
    this.#touchFromMid();
    const sym = this.#inst.symbol;
    const t = this.#tick;
    this.#exchange.takeSynthetic(sym, 'Sell', Infinity, this.#ask * t);
    this.#exchange.takeSynthetic(sym, 'Buy', Infinity, this.#bid * t);
    this.#slide(true, prevBid, this.#bid);
    this.#slide(false, prevAsk, this.#ask);
    this.#perturb(dt);
    this.#exchange.setMark(sym, this.#mark());
    this.#takers(now);
  }

  #touchFromMid(): void {
    const spread = REGIMES[this.#price.regime].spreadTicks;
    const m = this.#price.mid / this.#tick;
    this.#bid = Math.max(1, Math.floor(m - spread / 2));
    this.#ask = this.#bid + spread;
  }

  #mark(): number {
    return Math.round(this.#price.mid / this.#tick) * this.#tick;
  }

  #set(isBid: boolean, tick: number, qty: number): void {
    if (tick <= 0) return;
    this.#exchange.setSynth(this.#inst.symbol, isBid, tick * this.#tick, qty);
  }

  /**
   * Moves one side's window from touch `prev` to `next` (ticks). The touch end is exact and walks
   * from the far side toward the touch when adding (each new level is a push) and from the touch
   * when withdrawing (each removal is a pop). The far end is lazy (#keepDepth).
   */
  #slide(isBid: boolean, prev: number, next: number): void {
    if (prev === next) return;
    const dir = isBid ? -1 : 1; // away from the touch
    const draw = (p: number): number => {
      const d = (p - next) * dir;
      return d >= 0 && d < WINDOW_TICKS ? drawLevel(this.#depth, d, this.#rng) : 0;
    };
    const towardOther = isBid ? next > prev : next < prev;
    if (towardOther) {
      // Prices between the old and new touch enter; walk from the old touch outward to the new one.
      const n = Math.min(Math.abs(next - prev), WINDOW_TICKS);
      for (let k = n - 1; k >= 0; k--) this.#set(isBid, next + dir * k, draw(next + dir * k));
    } else {
      for (let p = prev; p !== next; p += dir) this.#set(isBid, p, 0);
    }
    this.#keepDepth(isBid);
  }

  /**
   * Keeps synthetic depth between WINDOW_TICKS and WINDOW_TICKS + FAR_SLACK ticks from the touch,
   * refilling or trimming the far end in bulk so that it costs one array rebuild now and then
   * instead of a splice every step.
   */
  #keepDepth(isBid: boolean): void {
    const touch = isBid ? this.#bid : this.#ask;
    const dir = isBid ? -1 : 1;
    const side = this.#exchange.symbol(this.#inst.symbol)!.book.side(isBid);
    const far = isBid ? this.#farBid : this.#farAsk;
    const dist = (far - touch) * dir;
    const target = WINDOW_TICKS - 1 + FAR_SLACK / 2;
    let nextFar = far;
    if (dist < WINDOW_TICKS - 1) {
      const prices: number[] = [];
      const sizes: number[] = [];
      for (let d = Math.max(0, dist + 1); d <= target; d++) {
        prices.push((touch + dir * d) * this.#tick);
        sizes.push(drawLevel(this.#depth, d, this.#rng));
      }
      side.bulkSetSynth(prices, sizes);
      nextFar = touch + dir * target;
    } else if (dist > WINDOW_TICKS - 1 + FAR_SLACK) {
      nextFar = touch + dir * target;
      side.withdrawWorseThan(nextFar * this.#tick);
    }
    if (isBid) this.#farBid = nextFar;
    else this.#farAsk = nextFar;
  }

  #perturb(dt: number): void {
    const rng = this.#rng;
    const expected = (PERTURB_RATE_PER_S * dt) / 1000;
    for (const isBid of [true, false]) {
      const touch = isBid ? this.#bid : this.#ask;
      const dir = isBid ? -1 : 1;
      let n = Math.floor(expected);
      if (rng.next() < expected - n) n++;
      for (let i = 0; i < n; i++) {
        const u = rng.next();
        const d = Math.floor(WINDOW_TICKS * u * u * u);
        this.#set(isBid, touch + dir * d, drawLevel(this.#depth, d, rng));
      }
      const pRefill = 1 - Math.exp(-dt / REFILL_MEAN_MS);
      for (let d = 0; d < 3; d++) {
        const price = (touch + dir * d) * this.#tick;
        const level = this.#exchange.symbol(this.#inst.symbol)?.book.side(isBid).get(price);
        if ((level === undefined || level.synth === 0) && rng.next() < pRefill)
          this.#set(isBid, touch + dir * d, drawLevel(this.#depth, d, rng));
      }
    }
  }

  #scheduleTaker(from: number): void {
    const rate = this.#params.takerRatePerS * REGIMES[this.#price.regime].takerMultiplier;
    if (!(rate > 0)) {
      this.#nextTakerAt = Infinity;
      return;
    }
    const gapMs = (-Math.log(1 - this.#rng.next()) / rate) * 1000;
    this.#nextTakerAt = from + gapMs;
  }

  #takers(now: number): void {
    if (this.#nextTakerAt === Infinity) this.#scheduleTaker(now);
    // Bounded per step so a huge time jump cannot spin here.
    for (let n = 0; n < 1000 && this.#nextTakerAt <= now; n++) {
      const isBuy = this.#rng.next() < 0.5;
      const qty = drawTakerQty(this.#depth, this.#rng);
      const limit = (isBuy ? this.#ask + TAKER_WALK_TICKS : this.#bid - TAKER_WALK_TICKS) * this.#tick;
      this.#exchange.takeSynthetic(this.#inst.symbol, isBuy ? 'Buy' : 'Sell', qty, limit);
      this.#scheduleTaker(this.#nextTakerAt);
    }
    if (this.#nextTakerAt <= now) this.#scheduleTaker(now);
  }
}
