/** Compression ids carried in every frame header (PROTOCOL §5). */
export const CompressionType = {
  None: 0,
  Gzip: 1,
  Zstd: 2,
  Snappy: 3,
  Lz4: 4,
} as const;

export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** The names used by options and the command line, in id order. */
export const compressionNames = ["none", "gzip", "zstd", "snappy", "lz4"] as const;
export type CompressionName = (typeof compressionNames)[number];

/**
 * Compresses payloads with one algorithm. A socket holds at most one; what it sends carries the
 * algorithm's id, and the receiver decompresses by that id alone (no negotiation).
 *
 * `compress` may return a Promise for codecs that are asynchronous (zstd through its thread pool).
 * Implementations throw a MsgError `compression_failed` on failure; the sender then sends uncompressed.
 */
export interface Compressor {
  /** The id written into frame headers. */
  readonly type: CompressionType;
  compress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}
