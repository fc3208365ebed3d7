import { concatBytes } from "@msg/core";
import {
  Z_BUF_ERROR,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  ZStream,
  zlibInflate,
  zlibInflateEnd,
  zlibInflateInit2,
} from "pako";
import { crc32Portable } from "./crc32.js";
import { decompressedTooLarge, decompressionFailed } from "./errors.js";
import type { RawInflate } from "./gzip.js";

/*
 * gzip's primitives outside Node (`#zlib` without the `node` condition; zlib-node.ts on Node): pako's
 * port of zlib's inflate, driven through its stream API so that output is taken in bounded steps and
 * the end of the deflate stream is known (where the gzip trailer starts). fflate, which compresses,
 * reports neither.
 */

/** Raw deflate: no zlib or gzip wrapper (the gzip header and trailer are read by gzip.ts). */
const RAW_WINDOW_BITS = -15;
/** Largest output step: output is taken in steps of up to this, so a bomb stops within one step of the limit. */
const MAX_STEP = 1024 * 1024;

/**
 * Inflates the raw deflate stream at the start of `body` (bytes after its end are left alone), with at
 * most `limit` bytes of output. Throws MsgError decompressed_too_large or decompression_failed.
 */
export function inflateRaw(body: Uint8Array, limit: number): RawInflate {
  const stream = new ZStream();
  if (zlibInflateInit2(stream, RAW_WINDOW_BITS) !== Z_OK)
    throw decompressionFailed("gzip", "inflate did not start");
  stream.input = body;
  stream.next_in = 0;
  stream.avail_in = body.length;
  const parts: Uint8Array[] = [];
  let total = 0;
  // A first step sized for typical ratios, doubling up to MAX_STEP for large payloads.
  let step = Math.min(MAX_STEP, Math.max(1024, body.length * 4));
  try {
    for (;;) {
      // One byte more than the limit allows, so that going over it is seen.
      const room = Math.min(step, limit + 1 - total);
      stream.output = new Uint8Array(room);
      stream.next_out = 0;
      stream.avail_out = room;
      const status = zlibInflate(stream, Z_NO_FLUSH);
      if (stream.next_out > 0) parts.push(stream.output.subarray(0, stream.next_out));
      total += stream.next_out;
      if (total > limit) throw decompressedTooLarge("gzip", limit);
      if (status === Z_STREAM_END) break;
      const starved =
        status === Z_BUF_ERROR || (status === Z_OK && stream.avail_in === 0 && stream.avail_out > 0);
      if (starved) throw decompressionFailed("gzip", "unexpected end of compressed data");
      if (status !== Z_OK) throw decompressionFailed("gzip", stream.msg || `inflate status ${status}`);
      step = Math.min(MAX_STEP, step * 2);
    }
  } finally {
    zlibInflateEnd(stream);
  }
  // One step is the common case: its output is returned as it is, not copied.
  const output = parts.length === 1 ? parts[0]! : concatBytes(parts, total);
  return { output, bodyLength: stream.next_in };
}

/** CRC-32 of `data`, in plain JavaScript. */
export const crc32: (data: Uint8Array) => number = crc32Portable;
