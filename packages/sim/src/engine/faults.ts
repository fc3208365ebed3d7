import { ErrorCode, MsgError } from "@msg/core";
import type { Prng } from "./prng.js";

/** toxiproxy's stream faults ("toxics"), for one direction of one connection. */
export interface StreamFaults {
  /** Split writes into chunks of averageSize ± sizeVariation bytes, `delayUs` microseconds apart (toxiproxy `slicer`). */
  slicer?: { averageSize: number; sizeVariation?: number; delayUs?: number };
  /** Hold the close (FIN) this long after the data before passing it on (toxiproxy `slow_close`). */
  slowCloseMs?: number;
  /**
   * Black hole (toxiproxy `timeout`): data written from now on is dropped; after `ms` the connection is
   * reset, or never when `ms` is 0 (data keeps being dropped until the fault is removed).
   */
  timeout?: { ms: number };
  /** Reset the connection this long after the fault is set (toxiproxy `reset_peer`; 0 = at once). */
  resetPeerMs?: number;
  /** Reset the connection once this many bytes (counted from when the fault is set) went through (toxiproxy `limit_data`). */
  limitDataBytes?: number;
}

function invalid(message: string): MsgError {
  return new MsgError(ErrorCode.InvalidArgument, `invalid stream fault: ${message}`);
}

function nonNegative(name: string, value: unknown, integer = false): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0 || !Number.isFinite(value)) {
    throw invalid(`${name} must be a finite number >= 0, got ${String(value)}`);
  }
  if (integer && !Number.isInteger(value)) throw invalid(`${name} must be an integer, got ${value}`);
  return value;
}

/** Checks faults from untrusted input; throws a MsgError `invalid_argument` naming the field. */
export function validateStreamFaults(value: unknown): StreamFaults {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw invalid("expected an object");
  const input = value as Record<string, unknown>;
  const out: StreamFaults = {};
  for (const key of Object.keys(input)) {
    const field = input[key];
    if (field === undefined) continue;
    switch (key) {
      case "slicer": {
        if (field === null || typeof field !== "object") throw invalid("slicer must be an object");
        const slicer = field as Record<string, unknown>;
        const averageSize = nonNegative("slicer.averageSize", slicer.averageSize, true);
        if (averageSize < 1) throw invalid("slicer.averageSize must be at least 1");
        const sizeVariation = nonNegative("slicer.sizeVariation", slicer.sizeVariation ?? 0, true);
        if (sizeVariation >= averageSize) throw invalid("slicer.sizeVariation must be below averageSize");
        out.slicer = {
          averageSize,
          sizeVariation,
          delayUs: nonNegative("slicer.delayUs", slicer.delayUs ?? 0),
        };
        break;
      }
      case "slowCloseMs":
        out.slowCloseMs = nonNegative(key, field);
        break;
      case "timeout": {
        if (field === null || typeof field !== "object") throw invalid("timeout must be an object { ms }");
        out.timeout = { ms: nonNegative("timeout.ms", (field as Record<string, unknown>).ms) };
        break;
      }
      case "resetPeerMs":
        out.resetPeerMs = nonNegative(key, field);
        break;
      case "limitDataBytes":
        out.limitDataBytes = nonNegative(key, field, true);
        break;
      default:
        throw invalid(`unknown field ${JSON.stringify(key)}`);
    }
  }
  return out;
}

/** Cuts `chunk` into slices of averageSize ± sizeVariation bytes (uniform), as toxiproxy's slicer. */
export function slice(
  chunk: Uint8Array,
  slicer: NonNullable<StreamFaults["slicer"]>,
  prng: Prng,
): Uint8Array[] {
  const variation = slicer.sizeVariation ?? 0;
  const slices: Uint8Array[] = [];
  for (let offset = 0; offset < chunk.length; ) {
    const size = slicer.averageSize - variation + prng.int(2 * variation + 1);
    slices.push(chunk.subarray(offset, offset + size));
    offset += size;
  }
  return slices;
}
