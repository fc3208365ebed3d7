import { parseArgs } from "node:util";
import { ErrorCode, MsgError } from "@msg/core";
import type { Output } from "./output.js";

/**
 * One flag of a command, declared once: how it parses, its default, and its line in `--help`.
 * String flags keep their text; numbers are read with `integer()` so that a bad value is a usage error.
 */
export interface FlagSpec {
  type: "string" | "boolean";
  /** May be given several times; the value is then an array (empty when absent). */
  multiple?: boolean;
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** Placeholder in the help, e.g. `ADDR`, `N`, `MS`. */
  value?: string;
  /** The command cannot run without it (for `multiple`: at least once). */
  required?: boolean;
  /** The value used when the flag is absent (string flags; boolean flags default to false). */
  default?: string;
  /** What the help says the default is when there is no literal one ("runs until interrupted"). */
  defaultText?: string;
  /** The help line. */
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : S["default"] extends string
      ? string
      : S["required"] extends true
        ? string
        : string | undefined;

/** The parsed flags of a command, typed from its declaration. */
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/**
 * A `msg` subcommand. Everything `msg <name> --help` prints comes from here, so the help cannot drift
 * from what the command accepts. `run` returns the exit status: 0 success, 1 failure; a UsageError it
 * throws exits 2, any other error 1.
 */
export interface Command<F extends FlagSpecs = FlagSpecs> {
  name: string;
  /** One line for `msg --help`. */
  summary: string;
  /** The synopsis after `msg <name>`, e.g. `--bind ADDR [flags]`. */
  synopsis: string;
  /** What the command does, for `msg <name> --help`. */
  description: string;
  flags: F;
  run(flags: FlagValues<F>, out: Output): Promise<number>;
}

/** Declares a command; the `const` parameter keeps the flag declarations' literal types. */
export function defineCommand<const F extends FlagSpecs>(command: Command<F>): Command<F> {
  return command;
}

/**
 * A mistake in the command line (unknown flag, missing or malformed value, invalid topic): exit 2.
 * Its code is the MsgError code the mistake would have in the library (`invalid_argument`, `invalid_topic`).
 */
export class UsageError extends MsgError {}

/** Rethrows a library error raised by a flag's value (e.g. `validateTopic`) as a usage error. */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof MsgError) throw new UsageError(error.code, error.message, { cause: error });
    throw error;
  }
}

/** Flags every command has. */
export const commonFlags = {
  json: {
    type: "boolean",
    help: "one JSON object per line on stdout, for scripts (events: see the README of @msg/msg)",
  },
  help: { type: "boolean", short: "h", help: "this help" },
} as const satisfies FlagSpecs;

/** Parses a command's flags strictly: an unknown flag, a positional or a missing value is a UsageError. */
export function parseFlags<F extends FlagSpecs>(argv: string[], flags: F): FlagValues<F> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(ErrorCode.InvalidArgument, (error as Error).message);
  }
  for (const [name, spec] of Object.entries(flags)) {
    const given = values[name];
    if (
      spec.required &&
      !values.help &&
      (given === undefined || given === "" || (Array.isArray(given) && given.length === 0))
    ) {
      throw new UsageError(ErrorCode.InvalidArgument, `--${name} is required`);
    }
    if (given !== undefined) continue;
    if (spec.type === "boolean") values[name] = false;
    else if (spec.multiple) values[name] = [];
    else if (spec.default !== undefined) values[name] = spec.default;
  }
  return values as FlagValues<F>;
}

/** `msg <name> --help`: synopsis, description, and every flag with its default. */
export function commandHelp(command: Command): string {
  const rows = Object.entries(command.flags).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.value ? ` ${spec.value}` : ""}${spec.multiple ? " ..." : ""}`;
    const fallback = spec.default ?? spec.defaultText;
    const note = spec.required ? " (required)" : fallback === undefined ? "" : ` (default: ${fallback})`;
    return { left, right: spec.help + note };
  });
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  const lines = rows.map((row) => `  ${row.left.padEnd(width)}${row.right}`);
  return [
    `usage: msg ${command.name} ${command.synopsis}`,
    "",
    indent(command.description),
    "",
    "flags:",
    ...lines,
    "",
    EXIT_STATUS,
  ].join("\n");
}

export const EXIT_STATUS =
  "exit status: 0 success, 1 failure at run time, 2 usage error (unknown flag, bad value).\nerrors: `msg: CODE: message` on stderr, or an `error` event on stdout with --json.";

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `  ${line}` : line))
    .join("\n");
}
