/** The wall clock, for production. Everything else reads time through the Clock interface. */
import type { Clock, TimerId } from '../domain/clock.js';

export const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id: TimerId) => clearTimeout(id as NodeJS.Timeout),
};
