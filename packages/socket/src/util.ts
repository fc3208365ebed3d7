import { ErrorCode, MsgError } from "@msg/core";
import type { ReqRepFrame } from "@msg/wire";

export function msgError(code: ErrorCode, message: string): MsgError {
  return new MsgError(code, message);
}

export function closedError(): MsgError {
  return new MsgError(ErrorCode.SocketClosed, "the socket is closed");
}

const PING = Buffer.from("PING");
const PONG = Buffer.from("PONG");

/** The health-check request: a raw payload of exactly the ASCII bytes `PING` (docs/protocol.md, "Health check"). */
export function isPing(payload: Uint8Array): boolean {
  return payload.byteLength === 4 && PING.equals(payload);
}

export function isPong(frame: ReqRepFrame): boolean {
  return frame.compression === 0 && frame.payload.byteLength === 4 && PONG.equals(frame.payload);
}

export { PONG };
