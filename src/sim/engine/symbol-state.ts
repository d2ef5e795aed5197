/** One traded symbol's live state inside the venue. */
import type { Instrument } from '../../domain/instrument.js';
import type { OrderBook } from './order-book.js';

export interface SymbolState {
  readonly inst: Instrument;
  readonly book: OrderBook;
  /** price units × qty units → money units. */
  readonly factor: number;
  /** Mark price in price units (the generator's mid on a tick). */
  mark: number;
  lastPrice: number;
  tickDirection: 'PlusTick' | 'ZeroPlusTick' | 'MinusTick' | 'ZeroMinusTick';
  /** Count of user orders resting in this book. */
  userOrders: number;
}
