import type { QUICConnection, QUICStream } from "@matrixai/quic";
import { type ConnectionStats, ErrorCode, formatHostPort, MsgError, toMsgError } from "@msg/core";
import { closeReason, describe } from "./describe.js";
import { libraryLogger, StreamReset } from "./glue.js";
import type { QuicLibrary } from "./load.js";
import { CloseCode, type QuicSession, type QuicSessionSettings } from "./types.js";

/**
 * Library internals this adapter reads. They are marked `@internal` in the library (absent from its
 * .d.ts) but are the only way to reach quiche's per-connection statistics and stream state.
 */
interface ConnectionInternals {
  conn: {
    stats(): { lost: number; retrans: number };
    pathStats(): Array<{ active: boolean; rtt: number; cwnd: number }>;
    streamCapacity(streamId: number): number;
  };
  streamMap: Map<number, QUICStream>;
}

/** The library connection's internal fields (see {@link ConnectionInternals}). */
export function internals(connection: QUICConnection): ConnectionInternals {
  return connection as unknown as ConnectionInternals;
}

/**
 * A {@link QuicSession} over a library QUICConnection: close tracking, orderly close after delivery,
 * statistics and error translation. The client and server subclasses add how the stream is obtained and
 * how the connection is stopped.
 */
export abstract class LibrarySession implements QuicSession {
  readonly localAddress: string;
  readonly remoteAddress: string;
  abstract readonly released: Promise<void>;

  protected readonly lib: QuicLibrary;
  protected readonly connection: QUICConnection;
  protected stream: QUICStream | undefined;
  readonly #settings: QuicSessionSettings;
  #closing = false;
  #closedByUs = false;
  #closeError: Error | undefined;
  readonly #closeListeners: Array<(error: Error | undefined) => void> = [];
  #lingerTimer: NodeJS.Timeout | undefined;
  #lastStats: Partial<ConnectionStats> = {};

  constructor(lib: QuicLibrary, connection: QUICConnection, settings: QuicSessionSettings) {
    this.lib = lib;
    this.connection = connection;
    this.#settings = settings;
    this.localAddress = formatHostPort(connection.localHost, connection.localPort);
    this.remoteAddress = formatHostPort(connection.remoteHost, connection.remotePort);
    connection.addEventListener(
      lib.events.EventQUICConnectionClose.name,
      (event: Event) => this.#closed((event as CustomEvent<unknown>).detail),
      { once: true },
    );
    // The connection may have started closing before this object existed.
    if (connection.closed || connection.getConnectionError() !== undefined) {
      this.#closed(new lib.errors.ErrorQUICConnectionClosed());
    }
  }

  get closing(): boolean {
    return this.#closing;
  }

  onClose(listener: (error: Error | undefined) => void): void {
    if (this.#closing) queueMicrotask(() => listener(this.#closeError));
    else this.#closeListeners.push(listener);
  }

  close(code: CloseCode): void {
    clearTimeout(this.#lingerTimer);
    if (this.#closedByUs) return;
    this.#closedByUs = true;
    this.#lastStats = this.stats();
    this.stop(code).catch((error: unknown) =>
      libraryLogger.debug("closing a QUIC connection failed", { error: describe(error) }),
    );
  }

  closeWhenDelivered(lingerMs: number): void {
    const deadline = Date.now() + lingerMs;
    // quiche has no "acknowledged" event: poll the stream state, cheaply, for at most `lingerMs`.
    const check = () => {
      if (this.#closing || this.#closedByUs) return;
      if (this.#streamComplete() || Date.now() >= deadline) this.close(CloseCode.Normal);
      else this.#lingerTimer = setTimeout(check, 5);
    };
    check();
  }

  stats(): Partial<ConnectionStats> {
    if (this.#closedByUs || this.connection.closed) return this.#lastStats;
    try {
      const { conn } = internals(this.connection);
      const totals = conn.stats();
      const paths = conn.pathStats();
      const path = paths.find((candidate) => candidate.active) ?? paths[0];
      this.#lastStats = {
        lost: totals.lost,
        retransmits: totals.retrans,
        // quiche reports RTT in whole milliseconds through this binding.
        ...(path ? { rttUs: path.rtt * 1000, congestionWindow: path.cwnd } : {}),
      };
    } catch {
      // The native connection is gone; keep the last snapshot.
    }
    return this.#lastStats;
  }

  streamError(error: unknown): Error | undefined {
    const { errors } = this.lib;
    if (
      error instanceof errors.ErrorQUICConnectionPeer ||
      error instanceof errors.ErrorQUICConnectionPeerTLS
    ) {
      if (error.data.isApp && error.data.errorCode === CloseCode.Normal) return undefined;
      return new MsgError(
        ErrorCode.ConnectionLost,
        `the peer closed the QUIC connection (${closeReason(error.data)})`,
        { cause: error },
      );
    }
    if (error instanceof errors.ErrorQUICConnectionIdleTimeout) {
      return new MsgError(
        ErrorCode.ConnectionLost,
        `QUIC connection timed out: nothing received for ${this.#settings.idleTimeout} ms`,
        { cause: error },
      );
    }
    if (error instanceof errors.ErrorQUICConnectionLocal) {
      if (this.#closedByUs) return undefined;
      return new MsgError(ErrorCode.ConnectionLost, `QUIC connection failed (${closeReason(error.data)})`, {
        cause: error,
      });
    }
    if (error instanceof StreamReset) {
      // The library resets the stream (code 0) whenever a connection is stopped, just before its
      // CONNECTION_CLOSE: that is the peer's destroy(), orderly like a TCP peer's close.
      if (error.code === CloseCode.Normal) return undefined;
      return new MsgError(
        ErrorCode.ConnectionLost,
        `the peer reset the QUIC stream's ${error.direction} side (code ${error.code})`,
        { cause: error },
      );
    }
    return toMsgError(error, ErrorCode.ConnectionLost, "QUIC stream failed");
  }

  /** Stops the library's connection, sending CONNECTION_CLOSE with `code`. */
  protected abstract stop(code: CloseCode): Promise<void>;

  #streamComplete(): boolean {
    if (!this.stream) return true;
    try {
      internals(this.connection).conn.streamCapacity(this.stream.streamId);
      return false;
    } catch {
      // quiche forgets a stream once it is complete in both directions.
      return true;
    }
  }

  #closed(detail: unknown): void {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#lingerTimer);
    this.#closeError = this.#closedByUs ? undefined : this.streamError(detail);
    for (const listener of this.#closeListeners.splice(0)) listener(this.#closeError);
  }
}
