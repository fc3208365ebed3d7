import { CompressionType, type Compressor } from "@msg/core";
import { gzipSync } from "fflate";
import { crc32, inflateRaw } from "#zlib";
import { readU32LE } from "../bytes.js";
import { compressionFailed, decompressionFailed } from "./errors.js";

/** gzip levels 0-9; msg-rs's examples use 6. */
export const GZIP_DEFAULT_LEVEL = 6;

type GzipLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** RFC 1952 members with fflate (pure JS). mtime is 0, so equal payloads compress to equal bytes. */
export class GzipCompressor implements Compressor {
  readonly type = CompressionType.Gzip;
  readonly level: number;

  constructor(level: number) {
    this.level = level;
  }

  compress(data: Uint8Array): Uint8Array {
    try {
      return gzipSync(data, { level: this.level as GzipLevel, mtime: 0 });
    } catch (error) {
      throw compressionFailed("gzip", error);
    }
  }
}

/** What `inflateRaw` of `#zlib` (zlib-node.ts on Node, zlib-web.ts elsewhere) returns. */
export interface RawInflate {
  /** The inflated bytes. */
  output: Uint8Array;
  /** Bytes of the input the deflate stream took; the gzip trailer starts there. */
  bodyLength: number;
}

// RFC 1952 header flags.
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;
const TRAILER_SIZE = 8;

/**
 * Decompresses the first gzip member of `data`, like msg-rs (flate2's GzDecoder): bytes after it are
 * ignored. The deflate body is inflated with an output cap (node:zlib on Node, pako elsewhere: see
 * `#zlib`), so a bomb stops as soon as it passes `limit`; the CRC-32 and length trailer are checked
 * here (fflate's gunzipSync checks neither and sizes its output from the untrusted trailer, so it is
 * not used to decompress).
 */
export function gunzip(data: Uint8Array, limit: number): Uint8Array {
  const bodyStart = gzipBodyOffset(data);
  const { output, bodyLength } = inflateRaw(data.subarray(bodyStart), limit);
  const trailer = bodyStart + bodyLength;
  if (trailer + TRAILER_SIZE > data.length)
    throw decompressionFailed("gzip", "unexpected end of compressed data");
  if (readU32LE(data, trailer) !== crc32(output)) {
    throw decompressionFailed("gzip", "CRC-32 does not match the data (corrupt gzip stream)");
  }
  if (readU32LE(data, trailer + 4) !== output.length >>> 0) {
    throw decompressionFailed("gzip", "length in the trailer does not match the data (corrupt gzip stream)");
  }
  return output;
}

/** Parses the member header (RFC 1952 §2.3) and returns the offset of the deflate body. */
function gzipBodyOffset(data: Uint8Array): number {
  const truncated = () => decompressionFailed("gzip", "unexpected end of compressed data");
  if (data.length < 10) throw truncated();
  if (data[0] !== 0x1f || data[1] !== 0x8b)
    throw decompressionFailed("gzip", "invalid gzip header (bad magic)");
  if (data[2] !== 8)
    throw decompressionFailed("gzip", `unsupported compression method ${data[2]} (only deflate)`);
  const flags = data[3]!;
  if (flags & FRESERVED) throw decompressionFailed("gzip", "invalid gzip header (reserved flags set)");
  let offset = 10;
  if (flags & FEXTRA) {
    if (offset + 2 > data.length) throw truncated();
    offset += 2 + (data[offset]! | (data[offset + 1]! << 8));
  }
  if (flags & FNAME) offset = skipZeroTerminated(data, offset);
  if (flags & FCOMMENT) offset = skipZeroTerminated(data, offset);
  if (flags & FHCRC) {
    if (offset + 2 > data.length) throw truncated();
    const expected = data[offset]! | (data[offset + 1]! << 8);
    if ((crc32(data.subarray(0, offset)) & 0xffff) !== expected) {
      throw decompressionFailed("gzip", "header CRC does not match (corrupt gzip header)");
    }
    offset += 2;
  }
  if (offset > data.length) throw truncated();
  return offset;
}

function skipZeroTerminated(data: Uint8Array, offset: number): number {
  const end = data.indexOf(0, offset);
  if (end === -1) throw decompressionFailed("gzip", "unexpected end of compressed data");
  return end + 1;
}
