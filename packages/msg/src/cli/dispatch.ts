import { ErrorCode } from "@msg/core";
import { type Command, commandHelp, EXIT_STATUS, parseFlags, UsageError } from "./command.js";
import { errorLine, Output } from "./output.js";

/**
 * Commands that share a first word (`msg sim proxy`, `msg sim serve`): each is a full Command whose
 * `name` is the whole path ("sim proxy"), so its help and errors name it as typed.
 */
export interface CommandGroup {
  name: string;
  /** One line for `msg --help`. */
  summary: string;
  /** What the group is for, printed above its commands by `msg <name> --help`. */
  description: string;
  commands: Command[];
}

export type CliEntry = Command | CommandGroup;

/**
 * Runs the command `argv` names among `entries`, printing to stdout and stderr, and resolves with the
 * exit status: 0 success, 1 failure at run time, 2 usage error. Handles `--help`, `-h`, `help <name>`
 * and `--version` (with `version`) for every command alike.
 */
export async function dispatch(
  entries: CliEntry[],
  argv: readonly string[],
  version: () => string,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${overview(entries)}\n`);
    return 2;
  }
  if (first === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    if (rest.length === 0) {
      process.stdout.write(`${overview(entries)}\n`);
      return 0;
    }
    const found = resolve(entries, rest);
    if ("error" in found) return usageFailure(found.error, false);
    process.stdout.write(
      `${"commands" in found.entry ? groupHelp(found.entry) : commandHelp(found.entry)}\n`,
    );
    return 0;
  }
  const json = rest.includes("--json");
  const found = resolve(entries, argv);
  if ("error" in found) return usageFailure(found.error, json);
  const { entry, args } = found;
  if ("commands" in entry) {
    // `msg sim` alone or `msg sim --help`: the group's help.
    if (args.length > 0 && args[0] !== "--help" && args[0] !== "-h") {
      return usageFailure(`unknown command "${entry.name} ${args[0]}"`, json);
    }
    const help = `${groupHelp(entry)}\n`;
    if (args.length === 0) process.stderr.write(help);
    else process.stdout.write(help);
    return args.length === 0 ? 2 : 0;
  }
  const out = new Output(json);
  try {
    const flags = parseFlags([...args], entry.flags);
    if (flags.help) {
      process.stdout.write(`${commandHelp(entry)}\n`);
      return 0;
    }
    return await entry.run(flags, out);
  } catch (error) {
    out.error(error);
    if (error instanceof UsageError && !json) process.stderr.write(`see: msg ${entry.name} --help\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** The entry `words` name (a command, a group, or a command of a group) and the arguments after it. */
function resolve(
  entries: CliEntry[],
  words: readonly string[],
): { entry: CliEntry; args: readonly string[] } | { error: string } {
  const [name, ...rest] = words;
  const entry = entries.find((candidate) => candidate.name === name);
  if (!entry) return { error: `unknown command "${name}"` };
  if (!("commands" in entry) || rest[0] === undefined || rest[0].startsWith("-"))
    return { entry, args: rest };
  const command = entry.commands.find((candidate) => candidate.name === `${entry.name} ${rest[0]}`);
  if (!command) return { error: `unknown command "${entry.name} ${rest[0]}"` };
  return { entry: command, args: rest.slice(1) };
}

function overview(entries: CliEntry[]): string {
  const width = Math.max(...entries.map((entry) => entry.name.length)) + 2;
  return [
    "usage: msg <command> [flags]     msg <command> --help     msg --version",
    "",
    "commands:",
    ...entries.map((entry) => `  ${entry.name.padEnd(width)}${entry.summary}`),
    "",
    "`msg <command> --help` lists the command's flags with their defaults.",
    EXIT_STATUS,
  ].join("\n");
}

function groupHelp(group: CommandGroup): string {
  const width = Math.max(...group.commands.map((command) => command.name.length)) + 2;
  return [
    `usage: msg ${group.name} <command> [flags]`,
    "",
    ...group.description.split("\n").map((line) => (line ? `  ${line}` : line)),
    "",
    "commands:",
    ...group.commands.map((command) => `  msg ${command.name.padEnd(width)}${command.summary}`),
    "",
    `\`msg ${group.name} <command> --help\` lists the command's flags with their defaults.`,
  ].join("\n");
}

function usageFailure(message: string, json: boolean): number {
  const error = new UsageError(ErrorCode.InvalidArgument, `${message}; see msg --help`);
  if (json) new Output(true).error(error);
  else process.stderr.write(`${errorLine(error)}\n`);
  return 2;
}
