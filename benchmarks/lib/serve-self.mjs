/**
 * For benchmark scripts that run their server as a child of themselves (`<script> --serve <side>`, which
 * prints `{"port": N}` as its first line): starting that child, and bounding every wait.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** How long any one step of a benchmark may take before the script gives up. */
export const CALL_TIMEOUT_MS = 120_000;

/** `promise`, or a rejection naming `what` after CALL_TIMEOUT_MS. */
export function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${CALL_TIMEOUT_MS} ms: ${what}`)),
      CALL_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts this script with `--serve side` in a child process, with this process's node flags (so that a
 * profiler or preload given to the client reaches the server too); resolves with its port and a `stop`.
 */
export async function serveSelf(side) {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], "--serve", side], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const killChild = () => child.kill("SIGKILL");
  process.on("exit", killChild);
  const lines = createInterface({ input: child.stdout });
  const port = await bounded(
    new Promise((resolve, reject) => {
      lines.once("line", (line) => resolve(JSON.parse(line).port));
      child.once("exit", (code) => reject(new Error(`${side} server exited with ${code}`)));
    }),
    `${side} server start`,
  );
  return {
    port,
    /** Asks the server to exit (SIGTERM: a CPU profile, if any, is written). */
    stop() {
      process.off("exit", killChild);
      child.kill("SIGTERM");
    },
  };
}
