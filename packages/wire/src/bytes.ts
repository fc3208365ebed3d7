/**
 * Big-endian integer access with plain byte operations: no DataView allocation per frame, and the
 * same code works on any Uint8Array view (Buffer or not) at any offset.
 */

export const TWO_POW_32 = 2 ** 32;

export function readU16(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 8) | buf[offset + 1]!;
}

export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Below this high word a u64 is a safe integer, so one BigInt conversion suffices. */
const SAFE_HIGH_WORD = 2 ** 21;

/** Reads a u64 exactly, as a bigint. */
export function readU64(buf: Uint8Array, offset: number): bigint {
  const high = readU32(buf, offset);
  const low = readU32(buf, offset + 4);
  // Timestamps in µs (the common case) stay below 2^53 until the year 2255: one allocation, not four.
  if (high < SAFE_HIGH_WORD) return BigInt(high * 2 ** 32 + low);
  return (BigInt(high) << 32n) | BigInt(low);
}

export function writeU16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value;
}

/** Writes `value` modulo 2^32 (ids and sequence numbers wrap). */
export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
}

/** Writes a u64 given as its two 32-bit halves. */
export function writeU64(buf: Uint8Array, offset: number, high: number, low: number): void {
  writeU32(buf, offset, high);
  writeU32(buf, offset + 4, low);
}

/** Little-endian u32, used only by the LZ4 size prefix. */
export function readU32LE(buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
}
