import { ErrorCode, MsgError } from "@msg/core";
import { eofMidFrameError, invalidArgument } from "./errors.js";

/** Default largest payload (or token) length a frame may declare: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

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
 * - a frame split across chunks is assembled in a buffer of exactly its size, allocated once its
 *   header says how large it is (before that, a buffer of exactly the header's size), so what is held
 *   never exceeds header + maxFrameSize;
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
  #failure: unknown;
  #ended = false;

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
        const frameLength = this.measure(chunk, offset, length - offset);
        if (frameLength < 0 || frameLength > length - offset) {
          this.#startPartial(chunk, offset, frameLength);
          return;
        }
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

  /** Copies the tail of `chunk` from `offset` into a new assembly buffer. */
  #startPartial(chunk: Uint8Array, offset: number, frameLength: number): void {
    const buffer = new Uint8Array(frameLength < 0 ? -frameLength : frameLength);
    buffer.set(chunk.subarray(offset));
    this.#partial = buffer;
    this.#filled = chunk.length - offset;
  }

  /**
   * Fills the assembly buffer from the start of `chunk`, growing it once the header reveals the frame's
   * length, and delivers the frame when complete. Returns the number of bytes of `chunk` used.
   */
  #continuePartial(chunk: Uint8Array): number {
    let offset = 0;
    for (;;) {
      let buffer = this.#partial!;
      const take = Math.min(buffer.length - this.#filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled < buffer.length) return offset;
      // The buffer is full: either the whole frame is in, or the header now says how much more to expect.
      const needed = this.measure(buffer, 0, buffer.length);
      const frameLength = needed < 0 ? -needed : needed;
      if (frameLength === buffer.length) {
        this.#partial = undefined;
        this.#filled = 0;
        this.emit(buffer, 0, frameLength);
        return offset;
      }
      const grown = new Uint8Array(frameLength);
      grown.set(buffer);
      buffer = grown;
      this.#partial = grown;
    }
  }
}
