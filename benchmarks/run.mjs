#!/usr/bin/env node
/**
 * Runs the benchmark suites and prints markdown tables (stdout), with progress on stderr.
 *
 *   node benchmarks/run.mjs [suite ...] [--quick] [--json FILE] [--report DIR | --no-report]
 *                           [--targets a,b] [--repeats N] [--duration MS]
 *
 * Suites: reqrep, pubsub, stalled (the default is these three); topic, wire, quic-raw, quic-floor,
 * quic-cli, sim, sim-proxy, pubsub-loops run the script of that name (topic.mjs, wire.mjs, quic-raw.mjs,
 * quic-floor.mjs, quic-cli.mjs, sim.mjs, sim-proxy.mjs, pubsub-loops.mjs) when it exists.
 * Progress (step i of n, time spent, estimated time left) goes to stderr; the report (Markdown, SVG
 * charts, results.json) to benchmarks/report/ unless --report or --no-report says otherwise. See
 * README.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { killAllChildren } from "./lib/child.mjs";
import { Progress } from "./lib/progress.mjs";
import { writeReport } from "./lib/report.mjs";
import { loadTargets } from "./lib/targets.mjs";
import { countPubsubSteps, pubsubSuite, renderPubsub } from "./suites/pubsub.mjs";
import { countReqrepSteps, renderReqrep, reqrepSuite } from "./suites/reqrep.mjs";
import { countStalledSteps, renderStalled, stalledSuite } from "./suites/stalled.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));

/** Suites measured by this harness, against the targets in targets/. */
const TARGET_SUITES = {
  reqrep: {
    title: "Req/Rep (two processes, loopback)",
    run: reqrepSuite,
    render: renderReqrep,
    steps: countReqrepSteps,
  },
  pubsub: {
    title: "Pub/Sub (publisher process, subscribers process, loopback)",
    run: pubsubSuite,
    render: renderPubsub,
    steps: countPubsubSteps,
  },
  stalled: {
    title: "Pub/Sub with one stalled subscriber (publisher memory)",
    run: stalledSuite,
    render: renderStalled,
    steps: countStalledSteps,
  },
};
/** Suites that are standalone scripts; each accepts --quick and --json FILE. */
const SCRIPT_SUITES = {
  topic: "topic.mjs",
  wire: "wire.mjs",
  "quic-raw": "quic-raw.mjs",
  "quic-floor": "quic-floor.mjs",
  "quic-cli": "quic-cli.mjs",
  sim: "sim.mjs",
  "sim-proxy": "sim-proxy.mjs",
  "pubsub-loops": "pubsub-loops.mjs",
};
const DEFAULT_SUITES = ["reqrep", "pubsub", "stalled"];
const DEFAULT_REPORT_DIR = join(HERE, "report");

const TIMING = {
  full: { warmupMs: 300, durationMs: 1000, repeats: 3, stallMs: 3000 },
  quick: { warmupMs: 100, durationMs: 200, repeats: 1, stallMs: 1000 },
};

function usage(message) {
  if (message) console.error(`error: ${message}`);
  console.error(
    "usage: node benchmarks/run.mjs [reqrep|pubsub|stalled|topic|wire|quic-raw|quic-floor|quic-cli|sim|sim-proxy|pubsub-loops ...] [--quick] [--json FILE]\n" +
      "                              [--report DIR | --no-report] [--targets a,b] [--repeats N] [--duration MS]",
  );
  process.exit(2);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "string" },
        report: { type: "string" },
        "no-report": { type: "boolean", default: false },
        targets: { type: "string" },
        repeats: { type: "string" },
        duration: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) usage();
  const suites = positionals.length > 0 ? positionals : DEFAULT_SUITES;
  for (const suite of suites) {
    if (!TARGET_SUITES[suite] && !SCRIPT_SUITES[suite]) usage(`unknown suite ${suite}`);
  }
  const timing = { ...(values.quick ? TIMING.quick : TIMING.full) };
  if (values.repeats !== undefined) timing.repeats = positiveInteger(values.repeats, "--repeats");
  if (values.duration !== undefined) timing.durationMs = positiveInteger(values.duration, "--duration");
  if (values.report !== undefined && values["no-report"])
    usage("--report and --no-report exclude each other");
  return {
    suites,
    quick: values.quick,
    json: values.json,
    report: values["no-report"] ? undefined : (values.report ?? DEFAULT_REPORT_DIR),
    targets: values.targets?.split(",").map((name) => name.trim()),
    timing,
  };
}

function positiveInteger(text, name) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) usage(`${name} needs a positive integer`);
  return value;
}

function header(options) {
  const cpu = cpus();
  const mode = options.quick ? "quick" : "full";
  const { warmupMs, durationMs, repeats } = options.timing;
  return [
    "# msg benchmarks",
    "",
    `${new Date().toISOString()}, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ` +
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} at start.`,
    `Mode ${mode}: warm-up ${warmupMs} ms, then the median of ${repeats} window(s) of ${durationMs} ms. ` +
      "Ratios compare targets measured in this same run; absolute numbers depend on the machine and its load.",
  ].join("\n");
}

function runScriptSuite(name, options) {
  const script = join(HERE, SCRIPT_SUITES[name]);
  if (!existsSync(script)) throw new Error(`${SCRIPT_SUITES[name]} is not present in benchmarks/`);
  const scratch = mkdtempSync(join(tmpdir(), "msg-bench-"));
  const jsonFile = join(scratch, `${name}.json`);
  try {
    const args = [script, ...(options.quick ? ["--quick"] : []), "--json", jsonFile];
    const result = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
    if (result.error) throw result.error;
    if (result.status !== 0)
      throw new Error(`${SCRIPT_SUITES[name]} exited with ${result.status ?? result.signal}`);
    return existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, "utf8")) : null;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const options = parseCommandLine();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  const failures = [];
  let progress;
  const config = {
    ...options.timing,
    quick: options.quick,
    log: (text) => console.error(progress ? progress.step(text) : `… ${text}`),
    fail: (what, error) => {
      failures.push(what);
      console.error(`✗ ${what}: ${error?.stack ?? error}`);
    },
  };
  const started = Date.now();
  console.log(header(options));
  const results = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      command: ["node", "benchmarks/run.mjs", ...process.argv.slice(2)].join(" "),
      ...options,
    },
  };

  const needTargets = options.suites.some((suite) => TARGET_SUITES[suite]);
  const { targets, problems } = needTargets
    ? await loadTargets(options.targets)
    : { targets: [], problems: [] };
  for (const problem of problems) config.fail("loading targets", problem);
  // Every measurement window of the target suites is one step; each script suite is one more.
  const steps = options.suites.reduce(
    (sum, suite) => sum + (TARGET_SUITES[suite] ? TARGET_SUITES[suite].steps(targets, config) : 1),
    0,
  );
  progress = new Progress(steps);

  for (const suite of options.suites) {
    if (SCRIPT_SUITES[suite]) {
      config.log(`${suite} (${SCRIPT_SUITES[suite]})`);
      console.log(`\n## ${suite}\n`);
      try {
        results[suite] = runScriptSuite(suite, options);
      } catch (error) {
        config.fail(suite, error);
        console.log(`not run: ${error.message}`);
      }
      continue;
    }
    const { title, run, render } = TARGET_SUITES[suite];
    const rows = await run(targets, config);
    results[suite] = rows;
    console.log(`\n## ${title}\n\n${rows.length > 0 ? render(rows) : "no target supports this suite"}`);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${failures.length === 0 ? "All cases ran" : `${failures.length} failure(s)`} in ${seconds} s.`,
  );
  if (options.json) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
  killAllChildren();
  if (options.report) {
    try {
      const files = await writeReport(results, options.report, { command: results.meta.command });
      console.error(
        `report: ${files.map((file) => relative(process.cwd(), join(options.report, file))).join(", ")}`,
      );
    } catch (error) {
      failures.push("report");
      console.error(`✗ writing the report: ${error?.stack ?? error}`);
    }
  }
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  killAllChildren();
  process.exit(1);
});
