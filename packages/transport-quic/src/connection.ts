import type { Duplex } from "node:stream";
import type { Connection } from "@msg/core";
import { StreamConnection } from "@msg/core/node";
import { CloseCode, type QuicSession } from "./library/types.js";

export interface QuicConnectionSettings {
  closeLinger: number;
}

/** The transport name, also `Connection.transport`. */
export const QUIC = "quic";

/**
 * Wraps a QUIC session's one stream into a core {@link Connection}. The connection's lifetime is the
 * session's: when the stream is done the QUIC connection closes, and when the QUIC connection closes the
 * stream ends (orderly) or fails (`connection_lost`). `firstBytes`, already read from the stream, are
 * delivered first.
 */
export function createQuicConnection(
  session: QuicSession,
  duplex: Duplex,
  settings: QuicConnectionSettings,
  firstBytes?: Uint8Array,
): Connection {
  if (firstBytes) duplex.unshift(firstBytes);
  duplex.once("close", () => {
    const orderly = duplex.readableEnded && duplex.writableFinished && !duplex.errored;
    // After an orderly end both ways, give the peer time to acknowledge our last bytes: closing at once
    // would discard them. destroy() closes at once, as a TCP reset would.
    if (orderly) session.closeWhenDelivered(settings.closeLinger);
    else session.close(duplex.errored ? CloseCode.Error : CloseCode.Normal);
  });
  return new StreamConnection(duplex, {
    transport: QUIC,
    localAddress: session.localAddress,
    remoteAddress: session.remoteAddress,
    extraStats: () => session.stats(),
  });
}
