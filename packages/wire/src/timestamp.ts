import { TWO_POW_32 } from "./bytes.js";
import { invalidArgument } from "./errors.js";

const MAX_U64 = (1n << 64n) - 1n;

/**
 * Splits a u64 timestamp (microseconds since the epoch, a safe-integer number or a bigint) into its
 * 32-bit halves, for writing. Throws MsgError invalid_argument when it is not a u64.
 */
export function timestampHigh(timestamp: number | bigint): number {
  if (typeof timestamp === "bigint") {
    checkBigTimestamp(timestamp);
    return Number(timestamp >> 32n);
  }
  checkNumberTimestamp(timestamp);
  return Math.floor(timestamp / TWO_POW_32);
}

/** The low 32 bits; see {@link timestampHigh}. */
export function timestampLow(timestamp: number | bigint): number {
  if (typeof timestamp === "bigint") {
    checkBigTimestamp(timestamp);
    return Number(timestamp & 0xffffffffn);
  }
  checkNumberTimestamp(timestamp);
  return timestamp >>> 0;
}

function checkNumberTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalidArgument(
      `timestamp must be a non-negative safe integer (use a bigint above 2^53), got ${timestamp}`,
    );
  }
}

function checkBigTimestamp(timestamp: bigint): void {
  if (timestamp < 0n || timestamp > MAX_U64) {
    throw invalidArgument(`timestamp must fit in a u64, got ${timestamp}`);
  }
}
