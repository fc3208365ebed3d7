/**
 * Req/Rep suite: for each target with a `reqrep` plugin, a server process and a client process on
 * loopback. Sequential: one request at a time, 100-byte payloads, round trips/s. Pipelined: up to
 * 2048 requests in flight (and at most 16 MiB of payload in flight), echoed by the server, requests/s.
 * Each window also reads the CPU time both processes used (lib/cpu-time.mjs), per request: unlike a
 * rate, it hardly moves with the load of a shared machine.
 */
import { cpuNs } from "../lib/cpu-time.mjs";
import { firstLine, formatCount, formatMBps, formatMiB, formatRatio, formatSize } from "../lib/format.mjs";
import { closeSessions, measureInterleaved, openSessions } from "../lib/interleave.mjs";
import { medianSample } from "../lib/stats.mjs";
import { markdownTable } from "../lib/table.mjs";

export const SEQUENTIAL_SIZE = 100;
export const PIPELINED_SIZES = [512, 4096, 32 * 1024, 64 * 1024];
export const MAX_IN_FLIGHT = 2048;
/** Caps the in-flight window for large payloads (64 KiB x 2048 would be 128 MiB). */
const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

export function windowFor(size) {
  return Math.min(MAX_IN_FLIGHT, Math.floor(MAX_IN_FLIGHT_BYTES / size));
}

function casesOf(mode, config) {
  if (mode === "sequential") {
    return [{ mode, size: SEQUENTIAL_SIZE, window: 1, label: `sequential ${formatSize(SEQUENTIAL_SIZE)}` }];
  }
  const sizes = config.quick ? [PIPELINED_SIZES[0], PIPELINED_SIZES.at(-1)] : PIPELINED_SIZES;
  return sizes.map((size) => {
    const window = windowFor(size);
    return { mode, size, window, label: `pipelined ${formatSize(size)} ×${window}` };
  });
}

/** Starts a target's server and client processes for `mode`. */
async function openPair(target, start, mode) {
  const spec = { targetPath: target.path };
  const server = await start(`${target.name} ${mode} server`, {
    ...spec,
    role: "reqrepServer",
    options: { mode },
  });
  const client = await start(`${target.name} ${mode} client`, {
    ...spec,
    role: "reqrepClient",
    options: { mode, address: server.ready.address },
  });
  return { server, client };
}

/** µs of CPU per request from two cpuNs readings; undefined where they are not available. */
function cpuUsPerRequest(before, after, completed) {
  if (before === undefined || after === undefined || completed === 0) return undefined;
  return (after - before) / 1e3 / completed;
}

/**
 * One window: requests/s, the CPU per request of the client and of the server processes (the
 * client's includes the one IPC call that starts and ends the window), and the server's RSS after it.
 */
async function measureWindow({ value: { server, client } }, oneCase, durationMs) {
  const { mode, size, window } = oneCase;
  const args = { pattern: mode, size, window, durationMs };
  const clientBefore = cpuNs(client.pid);
  const serverBefore = cpuNs(server.pid);
  const { completed, elapsedMs } = await client.call("run", args, durationMs + 30_000);
  return {
    rate: (completed * 1000) / elapsedMs,
    clientCpuUs: cpuUsPerRequest(clientBefore, cpuNs(client.pid), completed),
    serverCpuUs: cpuUsPerRequest(serverBefore, cpuNs(server.pid), completed),
    serverRss: await server.rssBytes(),
  };
}

/** How many windows the suite will measure (warm-ups included), for the progress line. */
export function countReqrepSteps(targets, config) {
  const cases = casesOf("sequential", config).length + casesOf("pipelined", config).length;
  return targets.filter((target) => target.module.reqrep).length * cases * (config.repeats + 1);
}

export async function reqrepSuite(targets, config) {
  const rows = [];
  const withPlugin = targets.filter((target) => target.module.reqrep);
  for (const mode of ["sequential", "pipelined"]) {
    const what = "reqrep";
    const sessions = await openSessions(
      withPlugin,
      (target, start) => openPair(target, start, mode),
      config,
      what,
    );
    try {
      const results = await measureInterleaved(sessions, casesOf(mode, config), measureWindow, config, {
        what,
        warmup: true,
      });
      for (const { session, oneCase, samples, error } of results) {
        const { target } = session;
        const row = {
          target: target.name,
          baseline: target.module.baseline,
          sockets: target.module.reqrep.sockets[mode],
          ...oneCase,
        };
        if (error) {
          rows.push({ ...row, error });
          continue;
        }
        const { rate, serverRss } = medianSample(samples, (sample) => sample.rate);
        rows.push({
          ...row,
          rate,
          bytesPerSecond: rate * oneCase.size,
          clientCpuUs: medianOf(samples.map((s) => s.clientCpuUs)),
          serverCpuUs: medianOf(samples.map((s) => s.serverCpuUs)),
          serverRss,
          samples: samples.map((s) => s.rate),
        });
      }
    } catch (error) {
      config.fail(what, error);
      rows.push({ target: "—", mode, error: firstLine(error) });
    } finally {
      await closeSessions(sessions);
    }
  }
  return rows;
}

/** The median of the defined values (each side's CPU on its own), undefined if there are none. */
function medianOf(values) {
  const defined = values.filter((value) => value !== undefined);
  return defined.length > 0 ? medianSample(defined) : undefined;
}

/** "client / server" µs of CPU per request. */
function formatCpu(row) {
  const us = (value) => (value === undefined ? "—" : value.toFixed(value < 10 ? 2 : 1));
  return `${us(row.clientCpuUs)} / ${us(row.serverCpuUs)}`;
}

/** The suite's markdown table: one row per case and target, with the ratio to the target's baseline. */
export function renderReqrep(rows) {
  const baselineOf = (row) =>
    rows.find((r) => r.target === row.baseline && r.mode === row.mode && r.size === row.size && !r.error);
  const body = rows.map((row) => [
    row.label ?? row.mode,
    row.target,
    row.sockets,
    row.error ? `error: ${row.error}` : formatCount(row.rate),
    row.error ? "" : formatMBps(row.bytesPerSecond),
    row.error ? "" : `${formatRatio(row.rate, baselineOf(row)?.rate)} ${row.baseline}`,
    row.error ? "" : formatCpu(row),
    row.error ? "" : formatMiB(row.serverRss),
  ]);
  const headers = [
    "case",
    "target",
    "sockets",
    "req/s",
    "MB/s",
    "vs baseline",
    "CPU µs/req client / server",
    "server RSS MiB",
  ];
  return markdownTable(headers, body, ["l", "l", "l", "r", "r", "r", "r", "r"]);
}
