import { CompressionType, type Compressor, ErrorCode, type Logger, MsgError, utf8Encode } from "@msg/core";
import {
  DEFAULT_MAX_DECOMPRESSED_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_MIN_COMPRESS_SIZE,
  shouldCompress,
} from "@msg/wire";

/** Per-message compression and the limits on what peers may send. */
export interface CompressionOptions {
  /**
   * Compresses outgoing payloads (e.g. `createCompressor("lz4")` from @msg/wire). Default none.
   * Incoming payloads are always decompressed by the id in their header, whatever this is.
   */
  compressor?: Compressor;
  /** Only payloads strictly larger than this many bytes are compressed. Default 8192 (as msg-rs). */
  minCompressSize?: number;
  /**
   * Largest payload a frame may carry, in bytes (after compression). A peer's frame declaring more
   * closes that connection; a payload of ours over it is refused at once with `frame_too_large`
   * (a peer with the same limit would close the connection on it). Default 16 MiB.
   */
  maxFrameSize?: number;
  /** Largest size a payload may decompress to, in bytes; larger fails that message. Default 64 MiB. */
  maxDecompressedSize?: number;
}

export interface ResolvedCompression {
  compressor: Compressor | undefined;
  minCompressSize: number;
  maxFrameSize: number;
  maxDecompressedSize: number;
}

export function resolveCompression(options: CompressionOptions): ResolvedCompression {
  return {
    compressor: options.compressor,
    minCompressSize: options.minCompressSize ?? DEFAULT_MIN_COMPRESS_SIZE,
    maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
    maxDecompressedSize: options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE,
  };
}

/** True when a payload of `length` bytes goes out compressed: a compressor is set and wire's threshold says so. */
export function compresses(compression: ResolvedCompression, length: number): boolean {
  return compression.compressor !== undefined && shouldCompress(length, compression.minCompressSize);
}

/** A payload ready for the wire: its bytes and the compression id to put in the header. */
export interface WirePayload {
  type: number;
  data: Uint8Array;
}

/**
 * Compresses `payload` when a compressor is set and the payload is over the threshold. A compressor
 * failure is logged and the payload goes out uncompressed (the receiver goes by the header byte).
 * Returns synchronously unless the codec is asynchronous (zstd).
 */
export function prepareOutgoing(
  compression: ResolvedCompression,
  payload: Uint8Array,
  log: Logger,
): WirePayload | Promise<WirePayload> {
  const { compressor } = compression;
  if (!compressor || !compresses(compression, payload.byteLength)) {
    return { type: CompressionType.None, data: payload };
  }
  const fallback = (error: unknown): WirePayload => {
    log.warn("compression failed; sending uncompressed", { error });
    return { type: CompressionType.None, data: payload };
  };
  try {
    const result = compressor.compress(payload);
    if (result instanceof Uint8Array) return { type: compressor.type, data: result };
    return result.then((data) => ({ type: compressor.type, data }), fallback);
  } catch (error) {
    return fallback(error);
  }
}

/**
 * The `frame_too_large` error for an outgoing payload of `size` bytes over the socket's own
 * `maxFrameSize`, or undefined when it fits. `what` names it: "request", "response", "message".
 */
export function oversizeError(
  what: string,
  size: number,
  compression: ResolvedCompression,
): MsgError | undefined {
  const limit = compression.maxFrameSize;
  if (size <= limit) return undefined;
  return new MsgError(
    ErrorCode.FrameTooLarge,
    `${what} payload of ${size} bytes is over maxFrameSize (${limit} bytes): a peer with that limit would close the connection`,
  );
}

/** Accepts strings (UTF-8) and any byte view as payloads. */
export function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === "string" ? utf8Encode(payload) : payload;
}
