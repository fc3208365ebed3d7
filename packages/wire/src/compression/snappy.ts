import { CompressionType, type Compressor } from "@msg/core";
import { loadOptionalPackage } from "#native";
import { compressionFailed, decompressedTooLarge, decompressionFailed } from "./errors.js";

interface SnappyApi {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer | string;
}

function loadSnappy(): SnappyApi {
  return loadOptionalPackage<SnappyApi>("snappy", "snappy compression");
}

/** Raw snappy blocks (varint length, then elements), not the framed format, as msg-rs sends them. */
export class SnappyCompressor implements Compressor {
  readonly type = CompressionType.Snappy;
  readonly #api = loadSnappy();

  compress(data: Uint8Array): Uint8Array {
    try {
      return this.#api.compressSync(data);
    } catch (error) {
      throw compressionFailed("snappy", error);
    }
  }
}

/** Decompresses a raw snappy block, refusing one whose declared length is above `limit` before any work. */
export function unsnappy(data: Uint8Array, limit: number): Uint8Array {
  const declared = snappyDeclaredLength(data);
  if (declared > limit) throw decompressedTooLarge("snappy", limit, declared);
  const api = loadSnappy();
  try {
    return api.uncompressSync(data, { asBuffer: true }) as Buffer;
  } catch (error) {
    throw decompressionFailed("snappy", error);
  }
}

/** The uncompressed length a snappy block starts with: a little-endian base-128 varint of at most 32 bits. */
export function snappyDeclaredLength(data: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = data[i];
    if (byte === undefined) break;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw decompressionFailed("snappy", "corrupt input (invalid length header)");
}
