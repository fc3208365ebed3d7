import type { Connection } from "@msg/core";
import type { FrameWriter } from "./frame-writer.js";

/** How long a peer gets to close its side after we end ours, before the connection is destroyed. */
export const CLOSE_GRACE_MS = 1000;

/** A promise that a session resolves from its connection's onClose. */
export function closeSignal(): { closed: Promise<void>; markClosed: () => void } {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return { closed, markClosed };
}

/**
 * Flushes and ends a server-side connection, and resolves once it is really closed: the peer closed
 * its side, or the grace period passed and it was destroyed. Awaiting this makes `close()` mean
 * "released" (for QUIC, the listener's UDP port is free only once its last connection is gone).
 */
export async function closeGracefully(
  connection: Connection,
  writer: FrameWriter,
  closed: Promise<void>,
): Promise<void> {
  writer.flush();
  connection.end();
  const timer = setTimeout(() => connection.destroy(), CLOSE_GRACE_MS);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
