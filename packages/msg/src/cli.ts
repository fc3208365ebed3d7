/**
 * The `msg` command-line tool: `msg rep|req|pub|sub|tour`. Scripts and other languages drive it, so
 * the command names, flags, exit statuses and the `--json` event lines are a stable contract.
 *
 * Importing this module runs nothing: `bin/msg.js` calls {@link runCli} with the process's arguments.
 */

import { createRequire } from "node:module";
import { ErrorCode } from "@msg/core";
import { type Command, commandHelp, EXIT_STATUS, parseFlags, UsageError } from "./cli/command.js";
import { errorLine, Output } from "./cli/output.js";
import { pub } from "./cli/pub.js";
import { rep } from "./cli/rep.js";
import { req } from "./cli/req.js";
import { sub } from "./cli/sub.js";
import { tour } from "./cli/tour.js";

/** Every subcommand, in the order `msg --help` lists them. A new command is one more entry here. */
const commands: Command[] = [rep, req, pub, sub, tour] as Command[];

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    "usage: msg <command> [flags]     msg <command> --help     msg --version",
    "",
    "commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    "",
    "`msg <command> --help` lists the command's flags with their defaults.",
    EXIT_STATUS,
  ].join("\n");
}

function version(): string {
  const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
  return version;
}

/**
 * Runs `msg` with `argv` (the arguments after `msg`), printing to stdout and stderr, and resolves with
 * the exit status: 0 success, 1 failure at run time, 2 usage error. It does not exit the process.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${overview()}\n`);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = rest[0] === undefined ? undefined : commands.find((command) => command.name === rest[0]);
    if (rest[0] !== undefined && !topic) return usageFailure(`unknown command "${rest[0]}"`, false);
    process.stdout.write(`${topic ? commandHelp(topic) : overview()}\n`);
    return 0;
  }
  if (name === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const json = rest.includes("--json");
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) return usageFailure(`unknown command "${name}"`, json);
  const out = new Output(json);
  try {
    const flags = parseFlags(rest, command.flags);
    if (flags.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    return await command.run(flags, out);
  } catch (error) {
    out.error(error);
    if (error instanceof UsageError && !json) process.stderr.write(`see: msg ${name} --help\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function usageFailure(message: string, json: boolean): number {
  const error = new UsageError(ErrorCode.InvalidArgument, `${message}; see msg --help`);
  if (json) new Output(true).error(error);
  else process.stderr.write(`${errorLine(error)}\n`);
  return 2;
}
