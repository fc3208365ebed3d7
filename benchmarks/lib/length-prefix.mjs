/**
 * The framing of the raw baselines: a 4-byte big-endian payload length, then the payload. The decoder
 * is incremental (frames may be split across reads, several may share one) and hands out views into
 * the received chunks, copying only when a frame straddles two reads.
 */

/** Frames above this are a protocol error in the benchmarks, never a reason to buffer without limit. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export const HEADER_BYTES = 4;

/** One frame (header + payload) in a fresh buffer. */
export function encodeFrame(payload) {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

export class FrameDecoder {
  /** Bytes of an incomplete frame, held until the rest arrives. */
  #pending = [];
  #pendingBytes = 0;

  /**
   * Feeds one chunk; calls `onFrame(buffer, start, end)` for each complete frame, where
   * `buffer.subarray(start, end)` is the whole frame including its header. The view is only valid
   * during the call unless the caller keeps `buffer` alive.
   */
  push(chunk, onFrame) {
    if (this.#pendingBytes > 0) {
      const needed = this.#pendingFrameLength();
      if (needed !== -1 && this.#pendingBytes + chunk.length < needed) {
        this.#stash(chunk);
        return;
      }
      this.#pending.push(chunk);
      chunk = Buffer.concat(this.#pending, this.#pendingBytes + chunk.length);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (chunk.length - offset >= HEADER_BYTES) {
      const end = offset + HEADER_BYTES + checkedLength(chunk.readUInt32BE(offset));
      if (end > chunk.length) break;
      onFrame(chunk, offset, end);
      offset = end;
    }
    if (offset < chunk.length) this.#stash(chunk.subarray(offset));
  }

  /** Length of the frame being assembled, or -1 while its header is incomplete. */
  #pendingFrameLength() {
    const first = this.#pending[0];
    if (first.length < HEADER_BYTES) return -1;
    return HEADER_BYTES + checkedLength(first.readUInt32BE(0));
  }

  #stash(bytes) {
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }
}

function checkedLength(length) {
  if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  return length;
}
