import { type CompressionName, CompressionType, compressionNames } from "@msg/core";
import { invalidArgument } from "../errors.js";

/** Payloads are compressed only when longer than this many bytes (strictly greater), as in msg-rs. */
export const DEFAULT_MIN_COMPRESS_SIZE = 8192;

/**
 * Default largest size a payload may decompress to: 64 MiB, four times the default maxFrameSize, so
 * that any frame a peer may send compressed at a usual ratio fits, while a decompression bomb is stopped.
 */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1024 * 1024;

/** True when a payload of `length` bytes should be compressed: `length > minCompressSize`. */
export function shouldCompress(length: number, minCompressSize: number = DEFAULT_MIN_COMPRESS_SIZE): boolean {
  return length > minCompressSize;
}

/** The id of an algorithm given by name or id. Throws MsgError invalid_argument for anything else. */
export function toCompressionType(algorithm: CompressionName | CompressionType): CompressionType {
  if (typeof algorithm === "string") {
    const index = (compressionNames as readonly string[]).indexOf(algorithm);
    if (index !== -1) return index as CompressionType;
  } else if (
    Number.isInteger(algorithm) &&
    algorithm >= CompressionType.None &&
    algorithm <= CompressionType.Lz4
  ) {
    return algorithm;
  }
  throw invalidArgument(
    `unknown compression algorithm ${JSON.stringify(algorithm)} (expected one of ${compressionNames.join(", ")} or 0-4)`,
  );
}

/** The name of a compression id ("gzip" for 1), or `unknown(<id>)`. */
export function compressionName(type: number): string {
  return compressionNames[type] ?? `unknown(${type})`;
}

/** Checks a maxDecompressedSize option: a non-negative integer, or Infinity. */
export function checkMaxDecompressedSize(limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 0)) {
    throw invalidArgument(`maxDecompressedSize must be a non-negative integer or Infinity, got ${limit}`);
  }
}
