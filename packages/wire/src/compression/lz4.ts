import { CompressionType, type Compressor } from "@msg/core";
import { loadOptionalPackage } from "#native";
import { readU32LE } from "../bytes.js";
import { compressionFailed, decompressedTooLarge, decompressionFailed } from "./errors.js";

interface Lz4Api {
  compressSync(data: Uint8Array): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

function loadLz4(): Lz4Api {
  return loadOptionalPackage<Lz4Api>("lz4-napi", "lz4 compression");
}

/** u32 little-endian uncompressed length, then one LZ4 block (lz4_flex's size-prepended format, as msg-rs). */
export class Lz4Compressor implements Compressor {
  readonly type = CompressionType.Lz4;
  readonly #api = loadLz4();

  compress(data: Uint8Array): Uint8Array {
    try {
      return this.#api.compressSync(data);
    } catch (error) {
      throw compressionFailed("lz4", error);
    }
  }
}

/**
 * Decompresses a size-prefixed LZ4 block. The prefix is checked against `limit` before any work, and
 * against what the block really holds afterwards (lz4-napi does not check it; msg-rs does).
 */
export function unlz4(data: Uint8Array, limit: number): Uint8Array {
  if (data.length < 4) throw decompressionFailed("lz4", "input shorter than its 4-byte size prefix");
  const declared = readU32LE(data, 0);
  if (declared > limit) throw decompressedTooLarge("lz4", limit, declared);
  const api = loadLz4();
  let output: Buffer;
  try {
    output = api.uncompressSync(data);
  } catch (error) {
    throw decompressionFailed("lz4", error);
  }
  if (output.length !== declared) {
    throw decompressionFailed(
      "lz4",
      `block decompressed to ${output.length} bytes, but its size prefix says ${declared}`,
    );
  }
  return output;
}
