import { type CompressionName, CompressionType, type Compressor } from "@msg/core";
import { checkInteger, invalidArgument } from "../errors.js";
import { unsupportedCompression } from "./errors.js";
import { GZIP_DEFAULT_LEVEL, GzipCompressor, gunzip } from "./gzip.js";
import {
  checkMaxDecompressedSize,
  compressionName,
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  toCompressionType,
} from "./limits.js";
import { Lz4Compressor, unlz4 } from "./lz4.js";
import { SnappyCompressor, unsnappy } from "./snappy.js";
import { unzstd, ZSTD_DEFAULT_LEVEL, ZstdCompressor } from "./zstd.js";

/** Options of {@link createCompressor}. */
export interface CompressorOptions {
  /**
   * Compression level. gzip: 0-9, default 6. zstd: 1-22, default 3. none, snappy and lz4 have no
   * level: giving one is a MsgError invalid_argument.
   */
  level?: number;
}

/** Sends payloads as they are (id 0). */
const identity: Compressor = { type: CompressionType.None, compress: (data) => data };

/**
 * Creates a compressor for `algorithm` (a name or an id). Native codecs (zstd, snappy, lz4) are loaded
 * on first creation; if the package is missing, throws MsgError codec_unavailable naming the npm package
 * to install. Throws MsgError invalid_argument for an unknown algorithm or a bad level.
 * `compress` throws (zstd: rejects) MsgError compression_failed; zstd's `compress` returns a Promise.
 */
export function createCompressor(
  algorithm: CompressionName | CompressionType,
  options: CompressorOptions = {},
): Compressor {
  const type = toCompressionType(algorithm);
  const { level } = options;
  switch (type) {
    case CompressionType.Gzip:
      return new GzipCompressor(levelOrDefault("gzip", level, 0, 9, GZIP_DEFAULT_LEVEL));
    case CompressionType.Zstd:
      return new ZstdCompressor(levelOrDefault("zstd", level, 1, 22, ZSTD_DEFAULT_LEVEL));
    default:
      if (level !== undefined) {
        throw invalidArgument(`${compressionName(type)} compression has no level (got level ${level})`);
      }
      if (type === CompressionType.Snappy) return new SnappyCompressor();
      if (type === CompressionType.Lz4) return new Lz4Compressor();
      return identity;
  }
}

function levelOrDefault(name: string, level: number | undefined, min: number, max: number, fallback: number) {
  if (level === undefined) return fallback;
  checkInteger(`${name} level`, level, min, max);
  return level;
}

/**
 * Decompresses a payload by the compression id of its header. Synchronous for none (the payload
 * itself, bounded by maxFrameSize rather than by this limit), gzip, snappy and lz4; returns a Promise
 * for zstd. Errors are MsgErrors (for zstd, rejections): unsupported_compression, decompression_failed,
 * decompressed_too_large (output above `maxDecompressedSize`, default 64 MiB, detected before the work
 * wherever the format declares its size), codec_unavailable; invalid_argument for a bad limit.
 */
export function decompress(
  type: number,
  data: Uint8Array,
  maxDecompressedSize: number = DEFAULT_MAX_DECOMPRESSED_SIZE,
): Uint8Array | Promise<Uint8Array> {
  checkMaxDecompressedSize(maxDecompressedSize);
  switch (type) {
    case CompressionType.None:
      return data;
    case CompressionType.Gzip:
      return gunzip(data, maxDecompressedSize);
    case CompressionType.Zstd:
      return unzstd(data, maxDecompressedSize);
    case CompressionType.Snappy:
      return unsnappy(data, maxDecompressedSize);
    case CompressionType.Lz4:
      return unlz4(data, maxDecompressedSize);
    default:
      throw unsupportedCompression(type);
  }
}
