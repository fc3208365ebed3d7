import { ErrorCode, MsgError, utf8Encode } from "@msg/core";
import type { ReqRepFrame } from "@msg/wire";

export function msgError(code: ErrorCode, message: string): MsgError {
  return new MsgError(code, message);
}

export function closedError(): MsgError {
  return new MsgError(ErrorCode.SocketClosed, "the socket is closed");
}

const PING = utf8Encode("PING");
const PONG = utf8Encode("PONG");

/** The health-check request: a raw payload of exactly the ASCII bytes `PING` (docs/protocol.md, "Health check"). */
export function isPing(payload: Uint8Array): boolean {
  return sameBytes(PING, payload);
}

export function isPong(frame: ReqRepFrame): boolean {
  return frame.compression === 0 && sameBytes(PONG, frame.payload);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { PONG };
