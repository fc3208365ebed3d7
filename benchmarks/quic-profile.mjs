#!/usr/bin/env node
/**
 * Where a round trip's time goes, per side: `msg rep` and `msg req` (two processes, loopback) run N
 * sequential requests: once under `node --cpu-prof` (both profiles summarised: idle, GC, self time by
 * module and the hottest functions); once with lib/count-calls.mjs preloaded (datagrams each way, native
 * quiche calls, timers, promises, AbortControllers, stack traces, WHATWG stream chunks, each per round
 * trip); then N/10 and N times with lib/cpu-usage.mjs (CPU time and context switches per round trip,
 * start-up cancelled out). `--floor` does the same for quic-floor.mjs's native-binding client and server.
 *
 * A profile's "busy" time is every sample outside the event loop's wait: it includes time a process
 * spent descheduled inside a system call (on a loaded 2-core machine, mostly in `doSend`, right after
 * waking the peer). The CPU-time rows are the process's own CPU.
 *
 *   node benchmarks/quic-profile.mjs [--transport quic|tcp] [--count 5000] [--size 100] [--inflight 1]
 *   node benchmarks/quic-profile.mjs --floor
 *   [--keep DIR]  keep the .cpuprofile files (open them in Chrome DevTools)
 *
 * Counts include connecting and closing (one handshake in N round trips). The two runs are separate:
 * the counting hooks (the promise hook most) slow a process, so the profiled run carries none.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { profilesIn, summariseProfile } from "./lib/cpu-profile.mjs";

const { values: args } = parseArgs({
  options: {
    transport: { type: "string", default: "quic" },
    count: { type: "string", default: "5000" },
    size: { type: "string", default: "100" },
    inflight: { type: "string", default: "1" },
    floor: { type: "boolean", default: false },
    keep: { type: "string" },
  },
});
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, "../packages/msg/bin/msg.js");
const COUNTER = path.join(HERE, "lib/count-calls.mjs");
const CPU_USAGE = path.join(HERE, "lib/cpu-usage.mjs");
const COUNT = Number(args.count);
const TIMEOUT_MS = 300_000;
const PROFILE_INTERVAL_US = 100;

const work = args.keep ?? mkdtempSync(path.join(tmpdir(), "quic-profile-"));
mkdirSync(work, { recursive: true });

/** Node flags for one side of one run. */
function nodeFlags(mode, role) {
  if (mode === "profile") {
    return [
      `--cpu-prof`,
      `--cpu-prof-dir=${path.join(work, role)}`,
      `--cpu-prof-interval=${PROFILE_INTERVAL_US}`,
    ];
  }
  return ["--import", mode === "count" ? COUNTER : CPU_USAGE];
}

function env(mode, role, count) {
  if (mode === "count") {
    return { ...process.env, COUNT_CALLS_OUT: path.join(work, "counts.jsonl"), COUNT_CALLS_ROLE: role };
  }
  if (mode === "cpu") {
    return { ...process.env, CPU_USAGE_OUT: path.join(work, `cpu-${count}.jsonl`), CPU_USAGE_ROLE: role };
  }
  return process.env;
}

/** Runs `msg rep --count N` and `msg req --count N`; resolves once both exited. */
async function runCli(mode, count = COUNT) {
  const transport = ["--transport", args.transport];
  const rep = spawn(
    process.execPath,
    [
      ...nodeFlags(mode, "server"),
      CLI,
      "rep",
      "--bind",
      "127.0.0.1:0",
      ...transport,
      "--count",
      String(count),
      "--json",
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: env(mode, "server", count) },
  );
  const repExit = exited(rep);
  const { address } = await jsonEvent(rep, "ready");
  const req = spawn(
    process.execPath,
    [
      ...nodeFlags(mode, "client"),
      CLI,
      "req",
      "--connect",
      address,
      ...transport,
      "--count",
      String(count),
      "--size",
      args.size,
      "--inflight",
      args.inflight,
      "--json",
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: env(mode, "client", count) },
  );
  const done = await jsonEvent(req, "done");
  await Promise.all([exited(req), repExit]);
  return done;
}

/** The floor's client process (profile files are named after their process id). */
let floorPid;

/** Runs quic-floor.mjs --round-trips N (its server is a child of its client; both get the flags). */
async function runFloor(mode, count = COUNT) {
  const script = [path.join(HERE, "quic-floor.mjs"), "--round-trips", String(count)];
  const child = spawn(process.execPath, [...nodeFlags(mode, "floor"), ...script], {
    stdio: ["ignore", "pipe", "inherit"],
    env: env(mode, "floor", count),
  });
  floorPid = child.pid;
  let output = "";
  child.stdout.on("data", (data) => {
    output += data;
  });
  await exited(child);
  return JSON.parse(output.trim().split("\n").at(-1));
}

function exited(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process took over ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function jsonEvent(child, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line);
      if (event.event === name) {
        clearTimeout(timer);
        resolve(event);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Profile summaries.

function summariseCounts() {
  const lines = readFileSync(path.join(work, "counts.jsonl"), "utf8").trim().split("\n");
  return lines
    .map((line) => {
      const { role, argv, counts } = JSON.parse(line);
      const rows = Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([key, value]) => `  ${(value / COUNT).toFixed(2).padStart(7)}  ${key}`);
      return `${role} (${argv}), per round trip:\n${rows.join("\n")}`;
    })
    .join("\n");
}

/**
 * CPU time per round trip on each side, without profiler or hooks: N and N/10 round trips, each process's
 * CPU time (user + system) and context switches read at exit; the difference over 0.9 N round trips.
 */
async function cpuPerRoundTrip() {
  const small = Math.max(1, Math.round(COUNT / 10));
  const results = {};
  for (const count of [small, COUNT]) {
    const done = await run("cpu", count);
    results[count] = {
      done,
      lines: readFileSync(path.join(work, `cpu-${count}.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    };
  }
  // The floor's two processes share a role: the server is the one started with --serve.
  const side = ({ role, argv }) =>
    role === "floor" ? (argv.includes("--serve") ? "server" : "client") : role;
  const rounds = COUNT - small;
  const rows = results[COUNT].lines.map((large) => {
    const base = results[small].lines.find((line) => side(line) === side(large));
    const per = (key) => (large[key] - base[key]) / rounds;
    return `  ${side(large).padEnd(6)}  ${(per("userUs") + per("systemUs")).toFixed(1).padStart(6)} µs CPU (user ${per("userUs").toFixed(1)}, system ${per("systemUs").toFixed(1)}), ${per("voluntarySwitches").toFixed(2)} voluntary and ${per("involuntarySwitches").toFixed(2)} involuntary context switches`;
  });
  return `CPU per round trip (runs of ${small} and ${COUNT}; the difference over ${rounds} round trips): ${JSON.stringify(results[COUNT].done)}\n${rows.join("\n")}`;
}

const run = args.floor ? runFloor : runCli;
const what = args.floor
  ? `quic-floor.mjs --round-trips ${COUNT}`
  : `${args.transport}, ${COUNT} requests of ${args.size} B, ${args.inflight} in flight`;
process.stdout.write(`# ${what}\n\nprofiled run: ${JSON.stringify(await run("profile"))}\n`);
const roles = args.floor ? ["floor"] : ["client", "server"];
for (const role of roles) {
  for (const file of profilesIn(path.join(work, role))) {
    // The floor's two processes share a directory: the client is the process runFloor started.
    const side = role === "floor" ? (file.includes(`.${floorPid}.`) ? "client" : "server") : role;
    process.stdout.write(`\n## ${side} profile (${path.basename(file)})\n${summariseProfile(file, COUNT)}\n`);
  }
}
process.stdout.write(`\ncounted run: ${JSON.stringify(await run("count"))}\n\n${summariseCounts()}\n`);
process.stdout.write(`\n${await cpuPerRoundTrip()}\n`);
if (args.keep) process.stdout.write(`\nprofiles kept in ${work}\n`);
else rmSync(work, { recursive: true, force: true });
