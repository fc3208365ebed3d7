import type { TLSSocket } from "node:tls";
import { ErrorCode, MsgError } from "@msg/core";

/** A `handshake_failed` naming the peer and the TLS library's reason (its error code first). */
export function handshakeFailed(peer: string, reason: unknown): MsgError {
  const error = reason instanceof Error ? (reason as NodeJS.ErrnoException) : undefined;
  const text = error ? [error.code, firstLine(error.message)].filter(Boolean).join(": ") : String(reason);
  return new MsgError(ErrorCode.HandshakeFailed, `tls: handshake with ${peer} failed: ${text}`, {
    cause: reason,
  });
}

/** OpenSSL messages carry a multi-line stack; the first line says what happened. */
function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}

/**
 * Node reports a TLS error on an established connection (a fatal alert such as a refused client
 * certificate, a corrupt record) without closing the socket, and with half-open sockets the
 * connection would then linger. A TLS session that failed cannot carry data again: close it, so the
 * Connection's onClose follows with the error. This listener also keeps a late error (after a failed
 * handshake was already reported) from being thrown as unhandled.
 */
export function closeOnError(socket: TLSSocket): void {
  socket.on("error", () => socket.destroy());
}
