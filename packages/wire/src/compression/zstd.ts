import { CompressionType, type Compressor } from "@msg/core";
import { loadOptionalPackage } from "#native";
import { readU32LE, TWO_POW_32 } from "../bytes.js";
import { compressionFailed, decompressedTooLarge, decompressionFailed } from "./errors.js";

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50; // low 4 bits free
const MAX_BLOCK_SIZE = 128 * 1024;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;
const CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;

/** zstd levels 1-22; 3 is libzstd's default. */
export const ZSTD_DEFAULT_LEVEL = 3;

interface ZstdApi {
  compress(data: Uint8Array, level?: number): Promise<Buffer>;
  decompress(data: Uint8Array): Promise<Buffer>;
}

/**
 * @mongodb-js/zstd 1.2's documented `compress(data)` drops the level it is given (its JS wrapper calls
 * the native binding without it), so the native binding is used directly where it exists; if a future
 * layout lacks it, the documented API still works, at libzstd's default level.
 */
let zstdApi: ZstdApi | undefined;

function loadZstd(): ZstdApi {
  zstdApi ??= resolveZstd();
  return zstdApi;
}

function resolveZstd(): ZstdApi {
  const documented = loadOptionalPackage<ZstdApi>("@mongodb-js/zstd", "zstd compression");
  try {
    const native = loadOptionalPackage<Partial<ZstdApi>>(
      "@mongodb-js/zstd",
      "zstd compression",
      "/bindings.js",
    );
    if (typeof native.compress === "function" && typeof native.decompress === "function")
      return native as ZstdApi;
  } catch {
    // Fall through to the documented API.
  }
  return documented;
}

/** Standard zstd frames, through libzstd's thread pool: `compress` returns a Promise. */
export class ZstdCompressor implements Compressor {
  readonly type = CompressionType.Zstd;
  readonly level: number;
  readonly #api = loadZstd();

  constructor(level: number) {
    this.level = level;
  }

  async compress(data: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#api.compress(data, this.level);
    } catch (error) {
      throw compressionFailed("zstd", error);
    }
  }
}

/**
 * Decompresses one or more concatenated zstd frames (skippable frames are skipped), like msg-rs's
 * `zstd::decode_all`. @mongodb-js/zstd has no output cap (and grows its output for as long as the
 * frame goes on: a 32 KiB frame of RLE blocks is 1 GiB), so nothing reaches it before the frame and
 * block headers have been walked, cheaply, with a running bound of what they can produce: the
 * declared content size, and per block its exact size (raw, RLE) or at most min(window, 128 KiB)
 * (compressed). The walk stops with `decompressed_too_large` as soon as that bound passes
 * `limit + 128 KiB`, and input it cannot account for to its last byte (trailing junk, truncation,
 * reserved fields) is `decompression_failed` without any work, as libzstd would report it after the
 * work. What the library allocates is therefore at most the bound. Encoders fill every block but a
 * frame's last, so a real payload never exceeds its bound by a block or more, hence the 128 KiB of
 * slack (refusing every bound above `limit` would refuse payloads up to 128 KiB below it, since most
 * frames, those of @mongodb-js/zstd and msg-rs included, do not declare their size); the exact size
 * is checked after decoding.
 */
export async function unzstd(data: Uint8Array, limit: number): Promise<Uint8Array> {
  const stopAbove = limit + MAX_BLOCK_SIZE;
  const bound = zstdOutputBound(data, stopAbove);
  if (bound === undefined) throw decompressionFailed("zstd", "malformed frame or block headers");
  if (bound > stopAbove) throw decompressedTooLarge("zstd", limit);
  const api = loadZstd();
  let output: Buffer;
  try {
    output = await api.decompress(data);
  } catch (error) {
    throw decompressionFailed("zstd", error);
  }
  if (output.length > limit) throw decompressedTooLarge("zstd", limit, output.length);
  return output;
}

/**
 * An upper bound of what `data` decompresses to, read from frame and block headers (RFC 8878 §3.1.1);
 * undefined when the headers are not well formed or do not account for every byte. The walk ends
 * early, returning the bound so far, once that passes `stopAbove`.
 */
export function zstdOutputBound(data: Uint8Array, stopAbove = Number.POSITIVE_INFINITY): number | undefined {
  const end = data.length;
  let offset = 0;
  let total = 0;
  if (end === 0) return undefined;
  while (offset < end) {
    if (offset + 4 > end) return undefined;
    const magic = readU32LE(data, offset);
    if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) {
      if (offset + 8 > end) return undefined;
      offset += 8 + readU32LE(data, offset + 4);
      if (offset > end) return undefined;
      continue;
    }
    if (magic !== FRAME_MAGIC) return undefined;
    offset += 4;
    const descriptor = data[offset++];
    if (descriptor === undefined || descriptor & 0x08) return undefined; // missing, or reserved bit set
    const singleSegment = (descriptor >> 5) & 1;
    let windowSize = 0;
    if (!singleSegment) {
      const window = data[offset++];
      if (window === undefined) return undefined;
      const base = 2 ** (10 + (window >> 3));
      windowSize = base + (base / 8) * (window & 7);
    }
    offset += DICTIONARY_ID_BYTES[descriptor & 3]!;
    const sizeFlag = descriptor >> 6;
    const sizeBytes = sizeFlag === 0 ? singleSegment : CONTENT_SIZE_BYTES[sizeFlag]!;
    if (offset + sizeBytes > end) return undefined;
    let contentSize = 0;
    if (sizeBytes === 1) contentSize = data[offset]!;
    else if (sizeBytes === 2) contentSize = (data[offset]! | (data[offset + 1]! << 8)) + 256;
    else if (sizeBytes === 4) contentSize = readU32LE(data, offset);
    else if (sizeBytes === 8)
      contentSize = readU32LE(data, offset) + readU32LE(data, offset + 4) * TWO_POW_32;
    offset += sizeBytes;
    if (total + contentSize > stopAbove) return total + contentSize;
    if (singleSegment) windowSize = contentSize;
    const blockBound = Math.min(windowSize, MAX_BLOCK_SIZE);
    // The blocks bound what the decoder can write whatever the content size claims (it is only
    // compared with the output at the frame's end), so both count.
    let blocksBound = 0;
    for (let last = 0; !last; ) {
      if (offset + 3 > end) return undefined;
      const header = data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16);
      offset += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 0) {
        offset += size; // raw: size bytes, copied
        blocksBound += size;
      } else if (type === 1) {
        offset += 1; // RLE: one byte, repeated size times
        blocksBound += size;
      } else if (type === 2) {
        offset += size; // compressed: at most one block's worth of output
        blocksBound += blockBound;
      } else {
        return undefined;
      }
      if (offset > end) return undefined;
      if (total + blocksBound > stopAbove) return total + blocksBound;
    }
    if (descriptor & 0x04) offset += 4; // content checksum
    if (offset > end) return undefined;
    total += Math.max(contentSize, blocksBound);
  }
  return total;
}
