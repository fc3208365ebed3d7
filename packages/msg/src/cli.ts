/**
 * The `msg` command-line tool: `msg rep|req|pub|sub|sim|tour`. Scripts and other languages drive it, so
 * the command names, flags, exit statuses and the `--json` event lines are a stable contract.
 *
 * Importing this module runs nothing: `bin/msg.js` calls {@link runCli} with the process's arguments.
 */

import { createRequire } from "node:module";
import type { Command } from "./cli/command.js";
import { type CliEntry, dispatch } from "./cli/dispatch.js";
import { pub } from "./cli/pub.js";
import { rep } from "./cli/rep.js";
import { req } from "./cli/req.js";
import { sim } from "./cli/sim.js";
import { sub } from "./cli/sub.js";
import { tour } from "./cli/tour.js";

/**
 * Every command, in the order `msg --help` lists them: a Command, or a CommandGroup of commands that
 * share a first word. A new command is one more entry here. (Each Command is typed by its own flags;
 * the list holds them as commands in general.)
 */
const commands: CliEntry[] = [...([rep, req, pub, sub] as Command[]), sim, tour as Command];

function version(): string {
  const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
  return version;
}

/**
 * Runs `msg` with `argv` (the arguments after `msg`), printing to stdout and stderr, and resolves with
 * the exit status: 0 success, 1 failure at run time, 2 usage error. It does not exit the process.
 */
export function runCli(argv: readonly string[]): Promise<number> {
  return dispatch(commands, argv, version);
}
