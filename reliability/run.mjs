#!/usr/bin/env node
/**
 * Runs the reliability scenarios (every file in scenarios/, each in its own process) and prints a
 * summary. A new scenario is one more file there that calls `scenario()` from lib/scenario.mjs.
 *
 *   node reliability/run.mjs                    # every scenario, full length (about 7 minutes)
 *   node reliability/run.mjs --short            # the seconds-long versions (what npm test runs)
 *   node reliability/run.mjs churn fuzz-decoders --json out.json
 *
 * Uses the built packages: `npm run reliability` builds first. Exit code 1 if a scenario failed.
 */
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const scenariosDir = join(here, "scenarios");
/** A scenario running longer than this is killed and failed. */
const TIME_LIMIT_MS = { full: 5 * 60_000, short: 90_000 };

export function scenarioNames() {
  return readdirSync(scenariosDir)
    .filter((file) => file.endsWith(".mjs"))
    .map((file) => file.slice(0, -4))
    .sort();
}

/** Runs one scenario; resolves with its RESULT (or a failure describing why there is none). */
export function runScenario(name, { short = false, echo = true } = {}) {
  const args = ["--expose-gc", join(scenariosDir, `${name}.mjs`), ...(short ? ["--short"] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let result;
  const output = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("RESULT ")) result = JSON.parse(line.slice(7));
    else {
      output.push(line);
      if (echo) console.log(line);
    }
  });
  const limit = short ? TIME_LIMIT_MS.short : TIME_LIMIT_MS.full;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limit);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut)
        result = { name, short, figures: result?.figures ?? {}, failures: [`killed after ${limit} ms`] };
      result ??= { name, short, figures: {}, failures: [`exited with ${code} without a result`] };
      if (code !== 0 && result.failures.length === 0) result.failures.push(`exited with ${code}`);
      resolve({ ...result, output });
    });
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const short = argv.includes("--short");
  const jsonAt = argv.indexOf("--json");
  const jsonFile = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
  const requested = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--json");
  const known = scenarioNames();
  for (const name of requested) {
    if (!known.includes(name)) {
      console.error(`unknown scenario ${name} (known: ${known.join(", ")})`);
      process.exit(2);
    }
  }
  const names = requested.length > 0 ? requested : known;
  console.log(`reliability: ${names.length} scenario(s)${short ? ", short" : ""}, node ${process.version}\n`);
  const results = [];
  for (const name of names) {
    results.push(await runScenario(name, { short }));
    console.log();
  }
  console.log("| scenario | seconds | result |\n|---|---:|---|");
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.seconds ?? "—"} | ${r.failures.length === 0 ? "ok" : `FAILED: ${r.failures.join("; ").split("\n")[0]}`} |`,
    );
  }
  if (jsonFile)
    writeFileSync(
      jsonFile,
      JSON.stringify(
        results.map(({ output, ...r }) => r),
        null,
        2,
      ),
    );
  process.exit(results.every((r) => r.failures.length === 0) ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
