/**
 * Bytes a piece of code allocates in V8's young generation, where short-lived objects (payload
 * views, promises, iterator results) are born: what the scavenger later has to sweep, and so a cost a
 * CPU profile spreads over `(garbage collector)` and helper threads.
 *
 * Measured with `v8.GCProfiler` (Node >= 18.15): young-generation bytes in use just before each
 * garbage collection, minus what was in use just after the one before (or at the start), plus the
 * growth since the last one. Objects V8 places straight in the old or large-object spaces are not
 * counted; for small per-message objects that is none.
 */
import { GCProfiler, getHeapSpaceStatistics } from "node:v8";

/** Bytes in use now in the young generation ("new_space"). */
function youngBytesInUse() {
  return getHeapSpaceStatistics().find((space) => space.spaceName === "new_space")?.spaceUsedSize ?? 0;
}

/** Young space bytes in use in one GC event's before or after statistics. */
function youngBytesIn(stats) {
  return stats.heapSpaceStatistics.find((space) => space.spaceName === "new_space")?.spaceUsedSize ?? 0;
}

/** Runs `action` and resolves with the bytes it allocated in the young generation. */
export async function youngBytesAllocated(action) {
  const profiler = new GCProfiler();
  profiler.start();
  let previous = youngBytesInUse();
  await action();
  const atEnd = youngBytesInUse();
  let allocated = 0;
  for (const event of profiler.stop()?.statistics ?? []) {
    allocated += Math.max(0, youngBytesIn(event.beforeGC) - previous);
    previous = youngBytesIn(event.afterGC);
  }
  return allocated + Math.max(0, atEnd - previous);
}
