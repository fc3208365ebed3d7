/**
 * quiche's native binding, as `@matrixai/quic` ships it (a napi-rs addon with a prebuilt binary per
 * platform). This package drives it directly: none of the library's JavaScript layer runs.
 */
import type { QuicLibrary } from "../library/load.js";

export type Quiche = QuicLibrary["native"]["quiche"];
export type NativeConfig = ReturnType<Quiche["Config"]["withBoringSslCtx"]>;
export type NativeConnection = ReturnType<Quiche["Connection"]["connect"]>;
export interface HostPort {
  host: string;
  port: number;
}
/** What quiche reports when a connection closes (CONNECTION_CLOSE sent or received). */
export interface CloseInfo {
  isApp: boolean;
  errorCode: number;
  reason: Uint8Array;
}

/** The id of the one bidirectional stream: the first the client opens. */
export const STREAM_ID = 0;
/** quiche's error text for a stream the peer reset (RESET_STREAM) or stopped (STOP_SENDING). */
const STREAM_RESET = /StreamReset\((\d{1,16})\)/;
const STREAM_STOPPED = /StreamStopped\((\d{1,16})\)/;

/** quiche's error for a stream it does not know: not opened yet, or complete and forgotten. */
export function isUnknownStream(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("InvalidStreamState");
}

/** The code of a RESET_STREAM quiche reported by throwing, or undefined for another error. */
export function streamResetCode(error: unknown): number | undefined {
  return matchCode(error, STREAM_RESET);
}

/** The code of a STOP_SENDING quiche reported by throwing, or undefined for another error. */
export function streamStoppedCode(error: unknown): number | undefined {
  return matchCode(error, STREAM_STOPPED);
}

function matchCode(error: unknown, pattern: RegExp): number | undefined {
  const match = error instanceof Error ? pattern.exec(error.message) : null;
  return match ? Number(match[1]) : undefined;
}
