/** Measuring helpers shared by the scenarios: memory from /proc, latency percentiles, a good client. */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { ReqSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";

const MiB = 1024 * 1024;

function statusField(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return (Number(match[1]) * 1024) / MiB;
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid = process.pid) {
  return round(statusField(pid, "VmRSS"));
}

/** Peak resident set size (VmHWM) since the process started or since resetPeakRss, in MiB. */
export function peakRssMiB(pid = process.pid) {
  return round(statusField(pid, "VmHWM"));
}

/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs), so a peak is measured from now. */
export function resetPeakRss(pid = process.pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** Open file descriptors of this process. */
export function openFds() {
  return readdirSync("/proc/self/fd").length;
}

export function round(value, digits = 1) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The `p`-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A well-behaved Req client sending one request at a time to `address`, `pauseMs` apart, until
 * stopped, recording each round trip. `stop()` resolves with { requests, failures (by code), p50Ms, p99Ms, maxMs }.
 */
export function goodClient(address, { timeoutMs = 10_000, pauseMs = 2 } = {}) {
  const req = new ReqSocket(new TcpTransport(), { timeout: timeoutMs });
  void req.connect(address);
  const latencies = [];
  const failures = {};
  let running = true;
  const loop = (async () => {
    const payload = Buffer.from("good client");
    while (running) {
      const started = performance.now();
      try {
        await req.request(payload);
        latencies.push(performance.now() - started);
      } catch (error) {
        const code = error?.code ?? "error";
        failures[code] = (failures[code] ?? 0) + 1;
      }
      await delay(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await req.close();
      return {
        requests: latencies.length,
        failures,
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        maxMs: round(
          latencies.reduce((max, v) => Math.max(max, v), 0),
          2,
        ),
      };
    },
  };
}
