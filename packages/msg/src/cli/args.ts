import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { ErrorCode, MsgError } from "@msg/core";

/** Options shared by every command that opens a transport. */
export const transportOptions = {
  transport: { type: "string", default: "tcp" },
  cert: { type: "string" },
  key: { type: "string" },
  ca: { type: "string" },
  servername: { type: "string" },
  "require-client-cert": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export const compressionOptions = {
  compress: { type: "string", default: "none" },
  level: { type: "string" },
  "min-compress-size": { type: "string" },
} as const;

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's flags strictly: an unknown flag or a missing value is `invalid_argument`. */
export function parse<const T extends OptionsConfig>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true as const, allowPositionals: false as const }).values;
  } catch (error) {
    throw new MsgError(ErrorCode.InvalidArgument, (error as Error).message);
  }
}

/** A whole, non-negative number option, or its default. */
export function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MsgError(ErrorCode.InvalidArgument, `--${name} takes a whole number >= 0, got "${value}"`);
  }
  return n;
}

export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === "") {
    throw new MsgError(ErrorCode.InvalidArgument, `--${name} is required`);
  }
  return value;
}

export function readPem(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new MsgError(ErrorCode.InvalidArgument, `cannot read ${path}: ${(error as Error).message}`);
  }
}
