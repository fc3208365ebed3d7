#!/usr/bin/env node
/**
 * Where a sequential Req/Rep round trip's CPU goes, per side, for the reqrep suite's targets (by
 * default raw-net and msg-tcp): the same client and server processes as `run.mjs reqrep` (roles.mjs,
 * the targets' own plugins: for msg, `await req.request(payload)` one at a time and
 * `for await (const request of rep) request.respond(request.payload)`).
 *
 *   node benchmarks/reqrep-profile.mjs [--targets raw-net,msg-tcp] [--rounds 5] [--duration 2000]
 *                                      [--size 100] [--pin S,C] [--profile] [--keep DIR]
 *
 * CPU: after one warm-up window per target, `--rounds` rounds each measure every target once in turn
 * (interleaved, as run.mjs does) for `--duration` ms. Per window and side: round trips/s, and the
 * process's CPU time per round trip, both as user + system time (process.cpuUsage, asked over the IPC
 * channel before and after the window) and as all threads' run time (schedstat, lib/cpu-time.mjs).
 * Printed: each round's figures, then per target the medians, and each target's median of its
 * per-round ratios to the first target.
 *
 * `--profile`: then one more window per target with both processes under `node --cpu-prof`, summarised
 * per side (lib/cpu-profile.mjs: self time by module and the hottest functions, µs per round trip).
 * The profiler slows a process, so those windows' rates are not comparable with the CPU rounds'.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { killAllChildren } from "./lib/child.mjs";
import { profilesIn, summariseProfile } from "./lib/cpu-profile.mjs";
import { cpuNs } from "./lib/cpu-time.mjs";
import { closeSessions, openSessions } from "./lib/interleave.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";
import { loadTargets } from "./lib/targets.mjs";

const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "raw-net,msg-tcp" },
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "2000" },
    size: { type: "string", default: "100" },
    profile: { type: "boolean", default: false },
    pin: { type: "string" },
    keep: { type: "string" },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION_MS = Number(args.duration);
const SIZE = Number(args.size);
const WARMUP_MS = 500;
/** Sampling interval of the profiler: fine enough for functions of a few µs per round trip. */
const PROFILE_INTERVAL_US = 100;

const names = args.targets.split(",");
const { targets, problems } = await loadTargets(names);
if (problems.length > 0) throw new Error(problems.join("; "));
if (targets.length === 0) throw new Error(`no targets among ${args.targets}`);
// The first target named is the one the others are compared with.
targets.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));

const config = {
  fail: (what, error) => process.stderr.write(`[reqrep-profile] ${what}: ${error.stack ?? error}\n`),
};

/** Server and client processes of one target, sequential mode, started with `execArgv`. */
function openPair(execArgv = [], dirOf = () => undefined) {
  return async (target, start) => {
    const flags = (role) => {
      const dir = dirOf(target, role);
      return dir
        ? [...execArgv, `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`]
        : execArgv;
    };
    const spec = { targetPath: target.path };
    const options = { mode: "sequential" };
    const server = await start(`${target.name} server`, {
      ...spec,
      role: "reqrepServer",
      options,
      execArgv: flags("server"),
    });
    const client = await start(`${target.name} client`, {
      ...spec,
      role: "reqrepClient",
      options: { ...options, address: server.ready.address },
      execArgv: flags("client"),
    });
    if (args.pin) pin(server, client);
    return { server, client };
  };
}

/**
 * `--pin S,C`: binds the server to CPU S and the client to CPU C (`taskset`), so that where the
 * scheduler puts the two processes (one core or two, moving) stops varying between windows.
 */
function pin(server, client) {
  const cpus = args.pin.split(",");
  for (const [child, cpu] of [
    [server, cpus[0]],
    [client, cpus[1] ?? cpus[0]],
  ]) {
    const result = spawnSync("taskset", ["-a", "-p", "-c", cpu, String(child.pid)], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr || result.error}`);
  }
}

/** Both sides' CPU readings now: user and system µs (from the process), run-time ns (from /proc). */
async function cpuOf({ server, client }) {
  const read = async (child) => ({ usage: await child.call("cpuUsage"), ns: cpuNs(child.pid) });
  return { server: await read(server), client: await read(client) };
}

/** One window of `durationMs`: round trips/s and, per side, CPU µs per round trip. */
async function measureWindow(pair, durationMs) {
  const before = await cpuOf(pair);
  const run = { pattern: "sequential", size: SIZE, window: 1, durationMs };
  const { completed, elapsedMs } = await pair.client.call("run", run, durationMs + 30_000);
  const after = await cpuOf(pair);
  const side = (name) => {
    const a = after[name];
    const b = before[name];
    return {
      userUs: (a.usage.user - b.usage.user) / completed,
      systemUs: (a.usage.system - b.usage.system) / completed,
      threadsUs: a.ns === undefined || b.ns === undefined ? undefined : (a.ns - b.ns) / 1e3 / completed,
    };
  };
  return { rate: (completed * 1000) / elapsedMs, completed, client: side("client"), server: side("server") };
}

const us = (value) => (value === undefined ? "—" : value.toFixed(1));
const cpuCells = (s) => [us(s.userUs), us(s.systemUs), us(s.userUs + s.systemUs), us(s.threadsUs)];
const CPU_HEADERS = (side) => [`${side} user`, `${side} sys`, `${side} user+sys`, `${side} threads`];

async function cpuRounds() {
  const sessions = await openSessions(targets, openPair(), config, "reqrep-profile");
  const failed = sessions.filter((session) => session.error);
  if (failed.length > 0) throw new Error(`${failed.map((s) => s.target.name).join(", ")} did not start`);
  const samples = new Map(sessions.map((session) => [session, []]));
  try {
    for (const session of sessions) await measureWindow(session.value, WARMUP_MS);
    const rows = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const session of sessions) {
        const sample = await measureWindow(session.value, DURATION_MS);
        samples.get(session).push(sample);
        rows.push([
          String(round),
          session.target.name,
          `${(sample.rate / 1000).toFixed(2)}k`,
          ...cpuCells(sample.client),
          ...cpuCells(sample.server),
        ]);
        process.stderr.write(
          `[reqrep-profile] round ${round} ${session.target.name}: ${sample.rate.toFixed(0)}/s\n`,
        );
      }
    }
    const headers = ["round", "target", "round trips/s", ...CPU_HEADERS("client"), ...CPU_HEADERS("server")];
    const align = headers.map((_, i) => (i < 2 ? "l" : "r"));
    process.stdout.write(
      `## Every window (CPU in µs per round trip)\n\n${markdownTable(headers, rows, align)}\n\n`,
    );
    process.stdout.write(`## Medians over ${ROUNDS} rounds\n\n${summaryTable(sessions, samples)}\n`);
  } finally {
    await closeSessions(sessions);
  }
}

/** Per target: medians of every figure, and the median of its per-round rate ratios to the first. */
function summaryTable(sessions, samples) {
  const first = samples.get(sessions[0]);
  const median = (values) => medianSample(values.filter((value) => value !== undefined));
  const rows = sessions.map((session) => {
    const own = samples.get(session);
    const ratio = median(own.map((sample, i) => sample.rate / first[i].rate));
    const sideMedians = (side) => ({
      userUs: median(own.map((s) => s[side].userUs)),
      systemUs: median(own.map((s) => s[side].systemUs)),
      threadsUs: median(own.map((s) => s[side].threadsUs)),
    });
    return [
      session.target.name,
      `${(median(own.map((s) => s.rate)) / 1000).toFixed(2)}k`,
      `${ratio.toFixed(3)}×`,
      ...cpuCells(sideMedians("client")),
      ...cpuCells(sideMedians("server")),
    ];
  });
  const headers = [
    "target",
    "round trips/s",
    `× ${sessions[0].target.name} (per round)`,
    ...CPU_HEADERS("client"),
    ...CPU_HEADERS("server"),
  ];
  return markdownTable(
    headers,
    rows,
    headers.map((_, i) => (i === 0 ? "l" : "r")),
  );
}

/** One window per target under --cpu-prof; each side's profile summarised per round trip. */
async function profiles() {
  const work = args.keep ?? mkdtempSync(path.join(tmpdir(), "reqrep-profile-"));
  const dirOf = (target, role) => {
    const dir = path.join(work, target.name, role);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  for (const target of targets) {
    const sessions = await openSessions([target], openPair(["--cpu-prof"], dirOf), config, "profile");
    if (sessions[0].error) throw new Error(`${target.name} did not start under the profiler`);
    let completed = 0;
    try {
      for (const ms of [WARMUP_MS, DURATION_MS])
        completed += (await measureWindow(sessions[0].value, ms)).completed;
    } finally {
      await closeSessions(sessions); // the profiles are written as the processes exit
    }
    // The profiles cover the whole process life: start-up is in them too (a few ms against seconds).
    for (const role of ["client", "server"]) {
      for (const file of profilesIn(path.join(work, target.name, role))) {
        process.stdout.write(
          `\n## ${target.name} ${role} (${completed} round trips, warm-up included)\n\n\`\`\`text\n${summariseProfile(file, completed)}\n\`\`\`\n`,
        );
      }
    }
  }
  if (args.keep) process.stdout.write(`\nprofiles kept in ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

process.on("SIGINT", () => {
  killAllChildren();
  process.exit(130);
});
process.stdout.write(
  `# Sequential Req/Rep, ${SIZE} B: ${targets.map((t) => t.name).join(" vs ")}, ${ROUNDS} rounds of ${DURATION_MS} ms\n\n`,
);
await cpuRounds();
if (args.profile) await profiles();
