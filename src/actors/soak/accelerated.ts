/**
 * The accelerated soak's time: the bot, the simulator and the harness share one simulated clock
 * (the replay's ReplayClock) that this driver moves forward, one timer at a time, letting the
 * event loop run (sockets included) between two timers. The bot still reaches the simulator over
 * real loopback sockets, which take real time; so simulated time is held to at most `speed` times
 * wall time, or a request in flight would see its simulated timeout pass before its answer could
 * arrive. With nothing due, the driver waits for real time to catch up.
 */
import { ReplayClock } from '../replay/clock.js';

export { ReplayClock as AcceleratedClock };

/** One event-loop turn: what the last timer started (socket writes, promises) runs. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the driver did. */
export interface DriveStats {
  readonly fired: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
}

/** Drives `clock` at up to `speed` × wall time until `stop()` is true. */
export async function driveClock(
  clock: ReplayClock,
  speed: number,
  stop: () => boolean,
  onStats?: (s: DriveStats) => void,
): Promise<DriveStats> {
  const simStart = clock.now();
  const wallStart = performance.now();
  let fired = 0;
  const stats = () => ({ fired, simulatedMs: clock.now() - simStart, wallMs: performance.now() - wallStart });
  while (!stop()) {
    // Whole milliseconds: the venue prints times as integers.
    const allowed = Math.floor(simStart + speed * (performance.now() - wallStart));
    const due = clock.nextDue();
    if (due !== undefined && due <= allowed) {
      clock.fireNext();
      fired++;
      await turn();
      if (fired % 100_000 === 0) onStats?.(stats());
      continue;
    }
    // Nothing due within what wall time allows yet.
    if (due === undefined || due > allowed) {
      if (allowed > clock.now()) clock.advanceTo(Math.min(allowed, due ?? allowed));
      await sleep(1);
    }
  }
  return stats();
}
