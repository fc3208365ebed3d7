import { ErrorCode, MsgError } from "./errors.js";

/**
 * The checks every socket and transport runs on its options in its constructor, so that a bad value
 * fails at once, with MsgError `invalid_argument` naming the option and what it accepts, rather than
 * later and obscurely (a NaN timeout fires at once, a negative queue size never admits anything).
 * Every check lets `undefined` through: the option's default applies.
 */

/** setTimeout's longest delay, in ms: a longer one fires at once, so no timer option may exceed it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The `invalid_argument` error for option `name`, which accepts `accepted` but was given `value`. */
export function optionError(name: string, accepted: string, value: unknown): MsgError {
  return new MsgError(
    ErrorCode.InvalidArgument,
    `option \`${name}\` must be ${accepted} (got ${shown(value)})`,
  );
}

/**
 * An integer from `min` to `max`. With `infinity`, `Infinity` is accepted too (for "no limit"
 * options such as `maxClients`).
 */
export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  { infinity = false }: { infinity?: boolean } = {},
): void {
  if (value === undefined || (infinity && value === Number.POSITIVE_INFINITY)) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = `an integer from ${min} to ${max}${infinity ? " or Infinity" : ""}`;
    throw optionError(name, range, value);
  }
}

/** A finite number from `min` to `max` (fractions allowed). */
export function checkNumber(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw optionError(name, `a number from ${min} to ${max}`, value);
  }
}

/** `true` or `false`. */
export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") throw optionError(name, "true or false", value);
}

/** One of a fixed set of strings. */
export function checkOneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined || (typeof value === "string" && allowed.includes(value))) return;
  throw optionError(name, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
}

/** An object with the named methods (a hook, a compressor). */
export function checkMethods(name: string, value: unknown, methods: readonly string[], what: string): void {
  if (value === undefined) return;
  const object = value as Record<string, unknown> | null;
  if (typeof value !== "object" || object === null || methods.some((m) => typeof object[m] !== "function")) {
    throw optionError(name, what, value);
  }
}

/** A string or bytes (a token, a PEM). With `nonEmpty`, an empty one is refused. */
export function checkBytes(
  name: string,
  value: unknown,
  { nonEmpty = false }: { nonEmpty?: boolean } = {},
): void {
  if (value === undefined) return;
  const ok = typeof value === "string" || value instanceof Uint8Array;
  if (!ok || (nonEmpty && (value as string | Uint8Array).length === 0)) {
    throw optionError(name, `a${nonEmpty ? " non-empty" : ""} string or Uint8Array`, value);
  }
}

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength})`;
  return typeof value;
}
