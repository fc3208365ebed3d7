/**
 * The frame of every reliability scenario: a scenario is a script (`node scenarios/<name>.mjs
 * [--short]`) that calls `scenario(name, body)`. The body records figures and checks; this prints
 * them as it goes, then one machine-readable `RESULT {json}` line, and exits 1 if a check failed or
 * the body threw. `--short` asks for the seconds-long version that `npm test` runs.
 */
export async function scenario(name, body) {
  const short = process.argv.includes("--short");
  const figures = {};
  const failures = [];
  const context = {
    short,
    /** Records a figure and prints it. */
    figure(key, value, unit = "") {
      figures[key] = value;
      console.log(
        `  ${key}: ${typeof value === "object" ? JSON.stringify(value) : value}${unit ? ` ${unit}` : ""}`,
      );
    },
    /** Records a check; a false one fails the scenario (which still runs to the end). */
    check(ok, what) {
      if (!ok) failures.push(what);
      console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
    },
    log(text) {
      console.log(`  ${text}`);
    },
  };
  console.log(`# ${name}${short ? " (short)" : ""}`);
  const started = performance.now();
  try {
    await body(context);
  } catch (error) {
    failures.push(`threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.log(`  FAIL threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  console.log(`RESULT ${JSON.stringify({ name, short, seconds, figures, failures })}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
