/** Compression ids carried in every frame header (docs/protocol.md, "Compression"). */
export const CompressionType = {
  /** Not compressed. */
  None: 0,
  /** A gzip member (RFC 1952). */
  Gzip: 1,
  /** A zstd frame. */
  Zstd: 2,
  /** A raw snappy block. */
  Snappy: 3,
  /** A little-endian u32 length, then one lz4 block. */
  Lz4: 4,
} as const;

export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** The names used by options and the command line, in id order. */
export const compressionNames = ["none", "gzip", "zstd", "snappy", "lz4"] as const;
/** A compression algorithm's name: `none`, `gzip`, `zstd`, `snappy` or `lz4`. */
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
  /** Compresses one payload (a Promise for asynchronous codecs). */
  compress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}
