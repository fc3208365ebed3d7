import { type OnReadOpts, Socket } from "node:net";

/** The part of an accepted socket's libuv handle this module relies on. */
interface StreamHandle {
  readStart(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

/** What {@link adoptAccepted} gives back. */
export interface Adoption {
  /** The socket to use from now on: the new one, or `accepted` itself when it could not be adopted. */
  socket: Socket;
  /** Whether `socket` reads through the given `onread` (true) or through its stream (false). */
  adopted: boolean;
}

/**
 * Moves an accepted connection into a socket that reads into a buffer of ours (net's `onread`),
 * which `net.Server` does not offer for the sockets it accepts: without it every read allocates a
 * fresh 64 KiB buffer and goes through the stream's per-chunk machinery: for a relay most of its cost
 * per byte, for a small request about a microsecond per read (docs/benchmarks.md). The connection
 * keeps its file descriptor; only the JavaScript object around it changes. `accepted` must still be paused (`pauseOnConnect`) and must not be used afterwards; the
 * new socket starts paused too.
 *
 * This takes the socket's libuv handle from `_handle`, a field Node has not documented but has kept
 * since its first versions; where it is missing or is not a stream handle, `accepted` is returned as
 * it is and the caller reads from it with `data` events (`adopted` false).
 */
export function adoptAccepted(
  accepted: Socket,
  options: { allowHalfOpen: boolean; onread: OnReadOpts },
): Adoption {
  const holder = accepted as unknown as { _handle: StreamHandle | null };
  const handle = holder._handle;
  if (
    handle === null ||
    typeof handle !== "object" ||
    typeof handle.readStart !== "function" ||
    typeof handle.useUserBuffer !== "function"
  ) {
    return { socket: accepted, adopted: false };
  }
  // Detached first, so destroying the old object closes nothing; it still tells the server the
  // connection left its count, which keeps server.close() from waiting for it.
  holder._handle = null;
  accepted.destroy();
  // Paused as the accepted socket was: reading starts when the owner resumes it.
  const socket = new Socket({
    handle,
    allowHalfOpen: options.allowHalfOpen,
    pauseOnCreate: true,
    readable: true,
    writable: true,
    onread: options.onread,
  } as never);
  return { socket, adopted: true };
}
