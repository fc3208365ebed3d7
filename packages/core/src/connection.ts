/**
 * A connection is a duplex byte stream between two endpoints, as every transport produces it (a TCP or
 * TLS socket, a unix socket, a QUIC stream). Sockets speak the wire protocol over it and know nothing
 * else about the transport.
 *
 * Reading is push-based with exactly one consumer at a time (`setHandler`), which makes ownership
 * explicit: a connection hook reads the handshake, hands back any extra bytes with `unshift`, and the
 * socket session installs its own handler next. Nothing is delivered until a handler is set.
 */
export interface Connection {
  /** The transport's name, e.g. `tcp`, `tls`, `ipc`, `quic`. */
  readonly transport: string;
  /** The peer's address in the transport's own form (`host:port`, `[::1]:port`, a path). */
  readonly remoteAddress: string;
  /** This end's address in the same form. */
  readonly localAddress: string;
  /** True once the connection is fully closed; `write` then returns false and does nothing. */
  readonly closed: boolean;

  /**
   * Queues bytes for sending. Returns false when the transport's send buffer is above its high-water
   * mark: the caller should stop writing until `onDrain`. The bytes are queued either way.
   * The caller must not modify `chunk` afterwards.
   */
  write(chunk: Uint8Array): boolean;
  /**
   * Optional: queues several chunks at once, in order, exactly as `write` of each would (same bytes,
   * same return value as the last `write`), so that the transport can hand them to the system in one
   * call (a stream transport makes one `writev` of a batch of small frames and the large payload after
   * it, where one `write` each took two system calls). Writers use it when present and fall back to
   * `write` per chunk. The caller must not modify the chunks afterwards.
   */
  writev?(chunks: readonly Uint8Array[]): boolean;
  /**
   * Installs the consumer of incoming events, replacing any previous one, and starts the flow of data
   * (unless paused). `undefined` detaches: data is held, not lost, until the next handler is set.
   */
  setHandler(handler: ConnectionHandler | undefined): void;
  /** Puts bytes back so they are delivered first, before anything else, to the current or next handler. */
  unshift(chunk: Uint8Array): void;
  /** Stops delivering data (read backpressure: the transport stops reading, the peer's sends slow down). */
  pause(): void;
  /** Resumes delivering data after `pause`. */
  resume(): void;
  /** Sends everything queued, then half-closes the sending side. */
  end(): void;
  /** Closes at once, discarding anything queued. `error`, if given, is reported to `onClose`. */
  destroy(error?: Error): void;
  /** A snapshot of the transport's counters, where it has them. */
  stats?(): ConnectionStats;
}

/** The consumer of a connection's events, installed with `setHandler`. */
export interface ConnectionHandler {
  /** Bytes arrived. The chunk may be a view into a larger buffer; copy it to keep it past the call. */
  onData(chunk: Uint8Array): void;
  /** The send buffer drained below its high-water mark after `write` returned false. */
  onDrain?(): void;
  /** The peer half-closed its sending side; no more data will arrive. */
  onEnd?(): void;
  /**
   * The connection is fully closed, once; `error` is set when it broke rather than closed cleanly.
   * Delivered even while paused (data not yet delivered is then discarded).
   */
  onClose(error?: Error): void;
}

/**
 * Transport counters for one connection. Byte counts are always present; the TCP_INFO-style fields are
 * filled only where the platform exposes them without a native addon (see each transport's README).
 */
export interface ConnectionStats {
  /** Bytes received from the peer (application bytes, after decryption). */
  bytesRead: number;
  /** Bytes handed to the transport for the peer (application bytes, before encryption). */
  bytesWritten: number;
  /** Smoothed round-trip time in microseconds. */
  rttUs?: number;
  /** Round-trip time variance in microseconds. */
  rttVarUs?: number;
  /** Congestion window in bytes (QUIC) or segments (TCP). */
  congestionWindow?: number;
  /** Segments or packets retransmitted. */
  retransmits?: number;
  /** Retransmission timeout in microseconds. */
  rtoUs?: number;
  /** Packets lost (QUIC). */
  lost?: number;
}
