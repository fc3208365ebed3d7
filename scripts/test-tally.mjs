#!/usr/bin/env node
// The counts of several test runs (npm test, then npm run test:browser in CI) as one closing line.
// Each run appends its counts to the file named by MSG_TEST_TALLY; `node scripts/test-tally.mjs FILE N`
// prints the sum as "N passed, N failed", a run that recorded nothing of the N expected counting as one
// failure, and exits 1 if anything failed.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Appends one run's counts to the tally file named by MSG_TEST_TALLY, when it is set. */
export function recordTally(counts) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by .ci/run around whole runs, never read inside a turbo task
  const file = process.env.MSG_TEST_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify(counts)}\n`);
}

/** The sum of the recorded runs, `expected` of them. */
export function readTally(file, expected) {
  const runs = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
  const sum = { passed: 0, failed: Math.max(0, expected - runs.length), skipped: 0 };
  for (const run of runs) {
    sum.passed += run.passed;
    sum.failed += run.failed;
    sum.skipped += run.skipped;
  }
  return sum;
}

/** The closing line CI reads. */
export function summaryLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, expected = "1"] = process.argv.slice(2);
  const sum = readTally(file, Number(expected));
  console.log(summaryLine(sum));
  process.exit(sum.failed === 0 && sum.passed > 0 ? 0 : 1);
}
