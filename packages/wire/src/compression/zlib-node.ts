import { constants as bufferConstants } from "node:buffer";
import * as zlib from "node:zlib";
import { crc32Portable } from "./crc32.js";
import { decompressedTooLarge, decompressionFailed } from "./errors.js";
import type { RawInflate } from "./gzip.js";

/*
 * gzip's primitives on Node (`#zlib` under the `node` condition; zlib-web.ts elsewhere): node:zlib's
 * native inflate, which is faster than any JavaScript one and stops at the output cap.
 */

/**
 * Inflates the raw deflate stream at the start of `body` (bytes after its end are left alone), with at
 * most `limit` bytes of output. Throws MsgError decompressed_too_large or decompression_failed.
 */
export function inflateRaw(body: Uint8Array, limit: number): RawInflate {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = zlib.inflateRawSync(body, {
      info: true,
      // Node requires 1..buffer.constants.MAX_LENGTH; a limit of 0 is enforced by the check below.
      maxOutputLength: Math.max(1, Math.min(limit, bufferConstants.MAX_LENGTH)),
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE")
      throw decompressedTooLarge("gzip", limit);
    throw decompressionFailed("gzip", error);
  }
  const output = result.buffer;
  if (output.length > limit) throw decompressedTooLarge("gzip", limit, output.length);
  return { output, bodyLength: result.engine.bytesWritten };
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 of `data`: zlib's native one where Node has it, else {@link crc32Portable}. */
export const crc32: (data: Uint8Array) => number =
  typeof native === "function" ? (data) => native(data) : crc32Portable;
