import { ErrorCode, MAX_BYTE_LENGTH, MsgError } from "@msg/core";
import { eofMidFrameError, invalidArgument } from "./errors.js";

/** Default largest payload (or token) length a frame may declare: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/**
 * First size of the assembly buffer of a frame that arrives in pieces, unless the frame is smaller:
 * a frame up to this size is assembled in one buffer of exactly its size (no regrowth), larger ones
 * grow from here as their bytes arrive.
 */
const MIN_ASSEMBLY_CAPACITY = 16 * 1024;

/** Options of every frame decoder. */
export interface DecoderOptions<F> {
  /**
   * Largest payload length a frame may declare (the size / token-length field). A frame declaring
   * more fails with MsgError `frame_too_large` as soon as its header is in, before any payload is
   * buffered. An integer from 0 to 2^32 - 1, or Infinity for no limit. Default 16 MiB
   * ({@link DEFAULT_MAX_FRAME_SIZE}).
   */
  maxFrameSize?: number;
  /**
   * Called once per complete frame, in order. Payloads are views into the pushed chunk (or into a
   * buffer assembled for a frame that arrived in pieces): copy them to keep them past the chunk's life.
   * Must not throw: if it does, the exception propagates out of `push` and the decoder is unusable.
   */
  onFrame: (frame: F) => void;
}

/**
 * Splits a byte stream into frames, incrementally. Subclasses describe one frame format with two
 * methods; this class owns the buffering:
 *
 * - frames wholly inside a pushed chunk are delivered as views into it (no copy);
 * - a frame split across chunks is assembled in a buffer that grows with the bytes received (doubling,
 *   never past the frame's declared size), so memory follows what the peer really sent, not what its
 *   header claims: what is held stays below 2 x received + 16 KiB and never exceeds header + maxFrameSize;
 * - a frame longer than a buffer can be (`buffer.constants.MAX_LENGTH`, when maxFrameSize is Infinity)
 *   fails with MsgError `frame_too_large` at its header;
 * - bad input throws a MsgError after the frames that preceded it were delivered; the decoder then
 *   keeps throwing that error (the connection must be closed).
 */
export abstract class FrameDecoder<F> {
  /** The largest length a frame may declare, in bytes. */
  protected readonly maxFrameSize: number;
  /** Called with each complete frame, in order. */
  protected readonly onFrame: (frame: F) => void;

  /** Assembly buffer of an incomplete frame (or of its header while the frame's length is unknown). */
  #partial: Uint8Array | undefined;
  /** Bytes of #partial filled so far. */
  #filled = 0;
  /** Bytes the incomplete frame needs in all: its length, or its header's while that is unknown. */
  #target = 0;
  #failure: unknown;
  #ended = false;
  #framesDecoded = 0;

  constructor(options: DecoderOptions<F>) {
    const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (max !== Number.POSITIVE_INFINITY && !(Number.isInteger(max) && max >= 0 && max <= 0xffffffff)) {
      throw invalidArgument(`maxFrameSize must be an integer from 0 to 4294967295 or Infinity, got ${max}`);
    }
    if (typeof options.onFrame !== "function") throw invalidArgument("onFrame must be a function");
    this.maxFrameSize = max;
    this.onFrame = options.onFrame;
  }

  /**
   * The total length of the frame starting at `buf[offset]`, given that `available` (>= 1) bytes of it
   * are present; or, when the header is not complete yet, minus the number of bytes needed to know it.
   * Validates as early as the bytes allow: throws a MsgError (wire_id, frame_too_large) on a bad header.
   */
  protected abstract measure(buf: Uint8Array, offset: number, available: number): number;

  /** Decodes the complete frame `buf[offset, offset + length)` and hands it to onFrame. */
  protected abstract emit(buf: Uint8Array, offset: number, length: number): void;

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#filled;
  }

  /** Frames delivered so far. */
  get framesDecoded(): number {
    return this.#framesDecoded;
  }

  /** Memory held for an incomplete frame: the assembly buffer's size (below 2 x bufferedBytes + 16 KiB). */
  get allocatedBytes(): number {
    return this.#partial?.length ?? 0;
  }

  /**
   * Feeds bytes; calls onFrame for every complete frame, in order. Throws a MsgError (wire_id,
   * frame_too_large, malformed_frame) on bad input after delivering the frames that preceded it; the
   * decoder is then unusable.
   */
  push(chunk: Uint8Array): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) throw new MsgError(ErrorCode.InvalidState, "push after end() on a frame decoder");
    try {
      let offset = this.#partial === undefined ? 0 : this.#continuePartial(chunk);
      const length = chunk.length;
      while (offset < length) {
        const frameLength = this.#measure(chunk, offset, length - offset);
        if (frameLength < 0 || frameLength > length - offset) {
          this.#startPartial(chunk, offset, frameLength);
          return;
        }
        this.#framesDecoded++;
        this.emit(chunk, offset, frameLength);
        offset += frameLength;
      }
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /**
   * End of stream. Throws MsgError eof_mid_frame if part of a frame is buffered. The decoder accepts
   * no more bytes afterwards.
   */
  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#ended = true;
    if (this.#partial !== undefined) {
      const error = eofMidFrameError(this.#filled);
      this.#fail(error);
      throw error;
    }
  }

  #fail(error: unknown): void {
    this.#failure = error;
    this.#partial = undefined;
    this.#filled = 0;
  }

  /** {@link measure}, refusing a frame no buffer could hold (possible only with an infinite maxFrameSize). */
  #measure(buf: Uint8Array, offset: number, available: number): number {
    const length = this.measure(buf, offset, available);
    if (length > MAX_BYTE_LENGTH) {
      throw new MsgError(
        ErrorCode.FrameTooLarge,
        `frame of ${length} bytes is longer than the largest buffer (${MAX_BYTE_LENGTH} bytes)`,
      );
    }
    return length;
  }

  /** Copies the tail of `chunk` from `offset` into a new assembly buffer. */
  #startPartial(chunk: Uint8Array, offset: number, frameLength: number): void {
    const received = chunk.length - offset;
    this.#target = frameLength < 0 ? -frameLength : frameLength;
    // Twice what arrived: a frame already half in is assembled without regrowth.
    this.#partial = new Uint8Array(Math.min(this.#target, Math.max(2 * received, MIN_ASSEMBLY_CAPACITY)));
    this.#partial.set(chunk.subarray(offset));
    this.#filled = received;
  }

  /**
   * Fills the assembly buffer from the start of `chunk`, growing it as bytes arrive (and its target once
   * the header reveals the frame's length), and delivers the frame when complete. Returns the number
   * of bytes of `chunk` used.
   */
  #continuePartial(chunk: Uint8Array): number {
    let offset = 0;
    for (;;) {
      const take = Math.min(this.#target - this.#filled, chunk.length - offset);
      const buffer = this.#reserve(this.#filled + take);
      buffer.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled < this.#target) return offset;
      // The target is reached: either the whole frame is in, or the header now says how much more to expect.
      const needed = this.#measure(buffer, 0, this.#filled);
      const frameLength = needed < 0 ? -needed : needed;
      if (frameLength === this.#filled) {
        this.#partial = undefined;
        this.#filled = 0;
        this.#framesDecoded++;
        this.emit(buffer, 0, frameLength);
        return offset;
      }
      this.#target = frameLength;
    }
  }

  /** The assembly buffer with room for `size` bytes: doubled (at most to the target) when too small. */
  #reserve(size: number): Uint8Array {
    const buffer = this.#partial!;
    if (size <= buffer.length) return buffer;
    const grown = new Uint8Array(
      Math.min(this.#target, Math.max(size, buffer.length * 2, MIN_ASSEMBLY_CAPACITY)),
    );
    grown.set(buffer.subarray(0, this.#filled));
    this.#partial = grown;
    return grown;
  }
}
