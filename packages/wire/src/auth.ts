import { allocBytes, ErrorCode, MsgError, utf8Encode } from "@msg/core";
import { readU32, writeU32 } from "./bytes.js";
import { frameTooLargeError, invalidArgument, wireIdError } from "./errors.js";
import { FrameDecoder } from "./frame-decoder.js";
import { WireId } from "./wire-id.js";

/** wire id (1) + token length (4) — docs/protocol.md, "Token handshake", client to server. */
export const AUTH_HEADER_SIZE = 5;

export interface AuthFrame {
  /** The token bytes, as the client sent them. */
  token: Uint8Array;
}

/** The client's token frame. A string token is sent as its UTF-8 bytes. */
export function encodeAuthToken(token: Uint8Array | string): Uint8Array {
  const bytes = typeof token === "string" ? utf8Encode(token) : token;
  if (bytes.length > 0xffffffff)
    throw invalidArgument(`token of ${bytes.length} bytes exceeds the u32 length field`);
  const out = allocBytes(AUTH_HEADER_SIZE + bytes.length);
  out[0] = WireId.Auth;
  writeU32(out, 1, bytes.length);
  out.set(bytes, AUTH_HEADER_SIZE);
  return out;
}

/** The server's answer when it accepts the token: `01 01`. Shared: do not modify. */
export const AUTH_ACCEPTED: Uint8Array = new Uint8Array([WireId.Auth, 1]);
/** The server's answer when it rejects the token (it then closes): `01 00`. Shared: do not modify. */
export const AUTH_REJECTED: Uint8Array = new Uint8Array([WireId.Auth, 0]);
/** Length of the server's answer. */
export const AUTH_ACK_SIZE = 2;

/**
 * Parses the server's 2-byte answer: true when accepted (any non-zero verdict, like msg-rs), false when
 * rejected. Throws MsgError wire_id when the first byte is not 1, malformed_frame when fewer than 2
 * bytes are given.
 */
export function parseAuthAck(bytes: Uint8Array): boolean {
  if (bytes.length < AUTH_ACK_SIZE) {
    throw new MsgError(
      ErrorCode.MalformedFrame,
      `auth answer is ${AUTH_ACK_SIZE} bytes, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== WireId.Auth) throw wireIdError(bytes[0]!);
  return bytes[1] !== 0;
}

/**
 * Reads the header of the client's token frame (AUTH_HEADER_SIZE bytes at `offset`) and returns the
 * token's length. Throws MsgError wire_id, or frame_too_large when the length is above `maxTokenSize`.
 */
export function parseAuthHeader(buf: Uint8Array, offset: number, maxTokenSize: number): number {
  const wireId = buf[offset]!;
  if (wireId !== WireId.Auth) throw wireIdError(wireId);
  const length = readU32(buf, offset + 1);
  if (length > maxTokenSize) throw frameTooLargeError("auth token", length, maxTokenSize);
  return length;
}

/**
 * Server-side incremental decoder of the client's token frame. It waits for all 5 + L bytes, however
 * they are split (msg-rs can panic on a partial frame here). `maxFrameSize` bounds the token length.
 * See {@link FrameDecoder}.
 */
export class AuthDecoder extends FrameDecoder<AuthFrame> {
  protected measure(buf: Uint8Array, offset: number, available: number): number {
    const wireId = buf[offset]!;
    if (wireId !== WireId.Auth) throw wireIdError(wireId);
    if (available < AUTH_HEADER_SIZE) return -AUTH_HEADER_SIZE;
    return AUTH_HEADER_SIZE + parseAuthHeader(buf, offset, this.maxFrameSize);
  }

  protected emit(buf: Uint8Array, offset: number, length: number): void {
    this.onFrame({ token: buf.subarray(offset + AUTH_HEADER_SIZE, offset + length) });
  }
}
