#!/usr/bin/env node
/**
 * Writes the report (report.md, SVG charts, results.json) of an earlier run from its JSON:
 *
 *   node benchmarks/report.mjs RESULTS.json [--out DIR]
 *
 * RESULTS.json is what `run.mjs --json FILE` wrote, or a report's own results.json. DIR defaults to
 * benchmarks/report/. Use it to redraw the charts without measuring again.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeReport } from "./lib/report.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string" } } });
if (positionals.length !== 1) {
  console.error("usage: node benchmarks/report.mjs RESULTS.json [--out DIR]");
  process.exit(2);
}
const results = JSON.parse(readFileSync(positionals[0], "utf8"));
const out = values.out ?? join(fileURLToPath(new URL(".", import.meta.url)), "report");
// The command that measured is the one worth repeating; this script only redraws.
const command = results.meta?.command ?? "node benchmarks/run.mjs";
const files = await writeReport(results, out, { command });
console.log(files.map((file) => join(out, file)).join("\n"));
