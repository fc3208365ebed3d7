/**
 * Unix socket paths of benchmark servers: one fresh path per server, named after the process that
 * listens on it, so that the parent can remove what a killed child left behind.
 */
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const prefix = (pid) => `msg-bench-${pid}-`;
let counter = 0;

/** A path no other server of this run uses. */
export function newUnixSocketPath() {
  return join(tmpdir(), `${prefix(process.pid)}${counter++}.sock`);
}

/** Removes the socket files process `pid` created (it may have been killed before it could). */
export function removeUnixSocketsOf(pid) {
  try {
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(prefix(pid)) && name.endsWith(".sock"))
        rmSync(join(tmpdir(), name), { force: true });
    }
  } catch {
    // best effort: a leftover file in the temp directory harms no later run
  }
}
