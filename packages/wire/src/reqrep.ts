import { allocBytes } from "@msg/core";
import { readU32, writeU32 } from "./bytes.js";
import { checkInteger, checkRoom, frameTooLargeError, wireIdError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import { WireId } from "./wire-id.js";

/** wire id (1) + compression (1) + id (4) + size (4) — docs/protocol.md, "Req/Rep frames". */
export const REQREP_HEADER_SIZE = 10;

/** One decoded req/rep frame: a request or a response. */
export interface ReqRepFrame {
  /** Compression id of the payload (docs/protocol.md, "Compression"). */
  compression: number;
  /** Request id; a response carries the id of the request it answers. u32. */
  id: number;
  /** The payload as sent (still compressed when `compression` is not 0). */
  payload: Uint8Array;
}

/**
 * Writes the 10-byte req/rep header at `target[offset, offset + 10)`; returns `offset + 10`.
 * `id` is taken modulo 2^32 (request ids wrap). Throws MsgError invalid_argument when the header does
 * not fit or a field is out of range.
 */
export function writeReqRepHeader(
  target: Uint8Array,
  offset: number,
  compression: number,
  id: number,
  size: number,
): number {
  checkRoom(target, offset, REQREP_HEADER_SIZE);
  checkInteger("compression", compression, 0, 0xff);
  checkInteger("size", size, 0, 0xffffffff);
  target[offset] = WireId.ReqRep;
  target[offset + 1] = compression;
  writeU32(target, offset + 2, id);
  writeU32(target, offset + 6, size);
  return offset + REQREP_HEADER_SIZE;
}

/** Header and payload in one new buffer. */
export function encodeReqRep(frame: ReqRepFrame): Uint8Array {
  const { payload } = frame;
  const out = allocBytes(REQREP_HEADER_SIZE + payload.length);
  writeReqRepHeader(out, 0, frame.compression, frame.id, payload.length);
  out.set(payload, REQREP_HEADER_SIZE);
  return out;
}

/** Incremental decoder of req/rep frames (requests and responses alike). See {@link FrameDecoder}. */
export class ReqRepDecoder extends FrameDecoder<ReqRepFrame> {
  protected measure(buf: Uint8Array, offset: number, available: number): number {
    const wireId = buf[offset]!;
    if (wireId !== WireId.ReqRep) throw wireIdError(wireId);
    if (available < REQREP_HEADER_SIZE) return -REQREP_HEADER_SIZE;
    const size = readU32(buf, offset + 6);
    if (size > this.maxFrameSize) throw frameTooLargeError("reqrep frame", size, this.maxFrameSize);
    return REQREP_HEADER_SIZE + size;
  }

  protected emit(buf: Uint8Array, offset: number, length: number): void {
    this.onFrame({
      compression: buf[offset + 1]!,
      id: readU32(buf, offset + 2),
      payload: buf.subarray(offset + REQREP_HEADER_SIZE, offset + length),
    });
  }
}
