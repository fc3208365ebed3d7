#!/usr/bin/env node
/**
 * Issue 14's measurement: QUIC against TCP through the `msg` CLI, two processes on loopback.
 * `msg rep --bind 127.0.0.1:0 --transport T` answers; `msg req --connect ... --transport T --count N
 * --size S --inflight K --json` reports `roundTripsPerSec` in its `done` line. TCP and QUIC alternate, case
 * by case, so each ratio compares runs made seconds apart.
 *
 *   pnpm --filter @msg/msg build && node benchmarks/quic-cli.mjs [--runs 3] [--quick] [--json FILE]
 *
 * `--quick`: one run, a quarter of the requests (a smoke test of the script, not a measurement).
 *
 * Cases: sequential 100 B requests (goal: QUIC ≥ 0.25× TCP) and 64 KiB requests with 16 in flight
 * (goal: ≥ 0.03×). Each `req` process includes connecting (the first request waits for the handshake).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { markdownTable } from "./lib/table.mjs";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const RUNS = args.quick ? 1 : Number(args.runs);
const SCALE = args.quick ? 0.25 : 1;
const CLI = fileURLToPath(new URL("../packages/msg/bin/msg.js", import.meta.url));
const CASES = [
  { name: "sequential 100 B", size: 100, inflight: 1, count: 10_000 * SCALE, goal: 0.25 },
  { name: "64 KiB, 16 in flight", size: 65_536, inflight: 16, count: 2_000 * SCALE, goal: 0.03 },
];
const TRANSPORTS = ["tcp", "quic"];
const RUN_TIMEOUT_MS = 180_000;

/** Runs one `msg rep` + `msg req` pair; resolves with the client's round trips per second. */
async function measure(transport, { size, inflight, count }) {
  const rep = spawn(
    process.execPath,
    [CLI, "rep", "--bind", "127.0.0.1:0", "--transport", transport, "--json"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const address = await firstEvent(rep, "ready").then((event) => event.address);
    const req = spawn(
      process.execPath,
      [
        CLI,
        "req",
        "--connect",
        address,
        "--transport",
        transport,
        "--count",
        String(count),
        "--size",
        String(size),
        "--inflight",
        String(inflight),
        "--timeout",
        "60000",
        "--json",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const done = await firstEvent(req, "done");
    if (done.received !== count) throw new Error(`${transport}: ${done.received}/${count} responses`);
    return done.roundTripsPerSec;
  } finally {
    rep.kill("SIGTERM");
  }
}

/** Resolves with the first JSON line of `child`'s stdout whose `event` is `name`. */
function firstEvent(child, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${name} event in ${RUN_TIMEOUT_MS} ms`)),
      RUN_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const event = JSON.parse(line);
      if (event.event === name) {
        clearTimeout(timer);
        resolve(event);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name}: process exited with ${code}`));
    });
  });
}

const results = CASES.map((testCase) => ({ ...testCase, tcp: [], quic: [] }));
for (let run = 0; run < RUNS; run++) {
  for (const result of results) {
    for (const transport of TRANSPORTS) {
      result[transport].push(await measure(transport, result));
      process.stderr.write(
        `[quic-cli] run ${run + 1} ${result.name} ${transport}: ${result[transport].at(-1)}/s\n`,
      );
    }
  }
}

const rows = results.map(({ name, tcp, quic, goal }) => [
  name,
  tcp.join(", "),
  quic.join(", "),
  quic.map((value, run) => (value / tcp[run]).toFixed(3)).join(", "),
  `${goal}×`,
]);
const table = markdownTable(
  ["case", "TCP req/s (per run)", "QUIC req/s (per run)", "QUIC / TCP (per run)", "goal"],
  rows,
  ["l", "l", "l", "l", "l"],
);
process.stdout.write(
  `## QUIC vs TCP through the msg CLI\n\n${table}\n\n${RUNS === 1 ? "one run" : `${RUNS} runs`}, TCP and QUIC alternating.\n`,
);
if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
