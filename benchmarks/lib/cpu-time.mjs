/**
 * A process's CPU time, read from outside it: the sum of `/proc/<pid>/task/<tid>/schedstat`'s first
 * field (nanoseconds spent running) over all its threads (the main thread, libuv's pool, V8's GC and
 * compiler threads). Reading it costs the measured process nothing, so a window's CPU time per
 * operation can be taken while it runs.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Nanoseconds of CPU the process `pid` has used so far; undefined where /proc is not available. */
export function cpuNs(pid) {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    }
    return total;
  } catch {
    return undefined;
  }
}
