#!/usr/bin/env node
// Runs every package's tests in one vitest run (the root config lists the packages as projects),
// then prints the plain closing line CI reads: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { recordTally, summaryLine } from "./test-tally.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const report = join(root, ".vitest-report.json");
rmSync(report, { force: true });

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const result = spawnSync(
  process.execPath,
  [
    vitest,
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: "inherit" },
);

if (!existsSync(report)) {
  console.log(summaryLine({ passed: 0, failed: 1, skipped: 0 }));
  recordTally({ passed: 0, failed: 1, skipped: 0 });
  console.error("[msg] vitest wrote no report; it did not run to completion");
  process.exit(1);
}
const summary = JSON.parse(readFileSync(report, "utf8"));
const passed = summary.numPassedTests ?? 0;
// A file that fails before its tests run (an import error) has no test results: count it as one failure.
const brokenFiles = (summary.testResults ?? []).filter(
  (file) => file.status === "failed" && (file.assertionResults ?? []).length === 0,
).length;
// vitest also fails a run for errors outside any test (an unhandled rejection): count that as one.
const outsideTests = result.status !== 0 && (summary.numFailedTests ?? 0) === 0 && brokenFiles === 0 ? 1 : 0;
if (outsideTests)
  console.error(
    `[msg] vitest exited with ${result.status}: errors outside any test (see "Unhandled Errors" above)`,
  );
const failed = (summary.numFailedTests ?? 0) + brokenFiles + outsideTests;
const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
console.log(summaryLine({ passed, failed, skipped }));
recordTally({ passed, failed, skipped });
const ok = result.status === 0 && failed === 0 && passed > 0;
process.exit(ok ? 0 : 1);
