/**
 * Wall-clock time in microseconds since the UNIX epoch, as pub/sub frame timestamps carry it.
 * Derived from the monotonic high-resolution clock anchored once to the wall clock, so it is cheap,
 * has microsecond resolution and never goes backwards within a process. A JS number holds it exactly
 * (it stays below 2^53 until the year 2255).
 */
const originMicros = Math.round(performance.timeOrigin * 1000);

/** Wall-clock time in microseconds since the UNIX epoch, advanced by the monotonic clock (frame timestamps). */
export function nowMicros(): number {
  return originMicros + Math.round(performance.now() * 1000);
}

/** Monotonic time in microseconds (for durations; unrelated to the wall clock). */
export function monotonicMicros(): number {
  return performance.now() * 1000;
}
