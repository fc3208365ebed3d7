/**
 * Preload (`node --import ./benchmarks/lib/cpu-usage.mjs ...`) that appends, on exit, one JSON line
 * `{ role, argv, userUs, systemUs, voluntarySwitches, involuntarySwitches }` (this process's CPU time and
 * context switches, start-up included) to `$CPU_USAGE_OUT`, with `role` from `$CPU_USAGE_ROLE`. Used by
 * quic-profile.mjs, which runs N and N/10 round trips and takes the difference (start-up cancels out).
 */
import { appendFileSync } from "node:fs";

process.on("exit", () => {
  const out = process.env.CPU_USAGE_OUT;
  if (!out) return;
  const usage = process.resourceUsage();
  const line = {
    role: process.env.CPU_USAGE_ROLE ?? "unknown",
    argv: process.argv.slice(2).join(" "),
    userUs: usage.userCPUTime,
    systemUs: usage.systemCPUTime,
    voluntarySwitches: usage.voluntaryContextSwitches,
    involuntarySwitches: usage.involuntaryContextSwitches,
  };
  appendFileSync(out, `${JSON.stringify(line)}\n`);
});
