import type { Connection } from "./connection.js";
import { ErrorCode, MsgError } from "./errors.js";

/**
 * A transport binds listeners and opens connections for one kind of link. Sockets program against
 * this interface only, so a user's own transport plugs in without touching msg.
 *
 * A transport object holds configuration (TLS certificates, timeouts) and may be shared by several
 * sockets; each `bind` creates an independent {@link Listener}.
 */
export interface Transport {
  /** The transport's name, e.g. `tcp`, `tls`, `ipc`, `quic`; also `Connection.transport`. */
  readonly name: string;

  /**
   * Starts listening on `address` (`host:port` with port 0 for an ephemeral port, or a path for IPC).
   * Each incoming connection is passed to `onIncoming` as a {@link PendingConnection} before any
   * transport handshake runs, so a slow TLS or QUIC handshake never holds up other accepts.
   * Rejects with a MsgError `bind_failed` or `invalid_address`.
   */
  bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<Listener>;

  /**
   * Opens a connection to `address` and completes the transport handshake.
   * Rejects with a MsgError (`connect_failed`, `handshake_failed`, `invalid_address`, `aborted`, or
   * `transport_unavailable` when an optional library the transport needs is not installed).
   */
  connect(address: string, options?: ConnectOptions): Promise<Connection>;
}

/** Options of {@link Transport.connect}. */
export interface ConnectOptions {
  /** Cancels the attempt; the promise rejects with a MsgError `aborted`. */
  signal?: AbortSignal;
}

/** An accepted connection whose transport handshake (TLS, QUIC) has not run yet. */
export interface PendingConnection {
  /** The peer's address, known before the handshake. */
  readonly remoteAddress: string;
  /** Runs the handshake. Rejects with a MsgError `handshake_failed` if it fails. */
  accept(): Promise<Connection>;
  /** Refuses the connection without a handshake (for example when `maxClients` is reached). */
  reject(): void;
}

/** A bound transport: it accepts connections until closed. */
export interface Listener {
  /** The address actually bound, with the real port when 0 was asked for. Connectable as it is. */
  readonly localAddress: string;
  /**
   * Sends a run-time control message to the bound transport, e.g. `{ type: "tls.setCertificates", ... }`
   * to swap certificates for new handshakes while existing connections stay up. Rejects with a
   * MsgError `unsupported_control` when the transport does not know the message.
   */
  control(message: TransportControl): Promise<void>;
  /** Stops accepting. Existing connections stay open; their owners close them. */
  close(): Promise<void>;
}

/** A run-time control message; each transport documents the `type`s it understands. */
export interface TransportControl {
  /** Which message this is, e.g. `tls.setCertificates`. */
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The error every listener returns for a control message it does not know. */
export function unsupportedControl(transport: string, message: TransportControl): MsgError {
  return new MsgError(
    ErrorCode.UnsupportedControl,
    `${transport}: unsupported control message "${String(message.type)}"`,
  );
}
