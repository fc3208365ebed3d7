/**
 * What the rest of the package knows of QUIC: sessions (one connection, one stream as a Node duplex) and
 * server endpoints. The engine (`../engine/`) implements them on quiche's native binding.
 */
import type { Duplex } from "node:stream";
import type { ConnectionStats } from "@msg/core";
import type { Pem } from "../options.js";

/** Application error codes this transport puts in CONNECTION_CLOSE frames. */
export const CloseCode = {
  /** Orderly close, or `destroy()` without an error. msg-rs closes with 0 as well. */
  Normal: 0,
  /** The connection failed locally (a stream error). */
  Error: 1,
  /** Refused by the listener: `reject()`, too many pending connections, no stream in time, closed. */
  Refused: 2,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Settings shared by the client and server sides, already validated (see options.ts). */
export interface QuicSessionSettings {
  alpn: string;
  keepAliveInterval: number;
  idleTimeout: number;
  initialMtu: number;
  readChunkSize: number;
  /** SO_RCVBUF and SO_SNDBUF of the UDP socket; 0 keeps the system's. */
  udpBufferSize: number;
  /** Bytes buffered on the stream's write side before `write` returns false. */
  writeHighWaterMark: number;
}

/** One QUIC connection carrying exactly one bidirectional stream. */
export interface QuicSession {
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** True once the connection has started closing, from either side. */
  readonly closing: boolean;
  /** Resolves once the connection is fully closed (draining done) and its timers are gone. */
  readonly released: Promise<void>;
  /** Called once when the connection starts closing; `error` is undefined for an orderly close. */
  onClose(listener: (error: Error | undefined) => void): void;
  /** Closes now (CONNECTION_CLOSE with `code`); unsent and unread data is discarded. Idempotent. */
  close(code: CloseCode): void;
  /**
   * Closes once quiche reports the stream complete (everything sent was acknowledged and everything
   * received was read), or after `lingerMs` at the latest.
   */
  closeWhenDelivered(lingerMs: number): void;
  /** What quiche reports about the connection, in core's terms. */
  stats(): Partial<ConnectionStats>;
}

export interface ClientSession extends QuicSession {
  /** Opens the connection's bidirectional stream. Nothing reaches the peer until data is written. */
  openStream(): Duplex;
}

/** The client's stream, as the server sees it arrive. */
export interface IncomingStream {
  stream: Duplex;
  /** The bytes that announced the stream, already read from it; undefined if it arrived ended. */
  firstBytes: Uint8Array | undefined;
}

export interface ServerSession extends QuicSession {
  /**
   * Calls `listener` once the client's stream has delivered its first bytes (or its end), immediately if
   * it already has. A stream announced only by a reset (a client that closed before writing) closes the
   * connection instead. The connection carries one stream: later ones are reset.
   */
  onStream(listener: (incoming: IncomingStream) => void): void;
}

export interface ServerEndpointOptions extends QuicSessionSettings {
  host: string;
  port: number;
  cert: Pem;
  key: Pem;
  handshakeTimeout: number;
  /** Connections in their handshake at once; an Initial packet beyond that is dropped and counted. */
  maxHandshakes: number;
}

/** A bound UDP socket answering QUIC handshakes. */
export interface QuicServerEndpoint {
  readonly host: string;
  readonly port: number;
  /** Initial packets dropped because `maxHandshakes` handshakes were already in progress. */
  readonly droppedHandshakes: number;
  /** Stops answering new handshakes; established connections carry on. */
  stopAccepting(): void;
  /** Certificate and key for handshakes from now on; established connections keep theirs. */
  setCertificate(cert: Pem, key: Pem): void;
  /** Releases the UDP socket, closing whatever connection is still open on it. */
  close(): Promise<void>;
}

export interface ClientOptions extends QuicSessionSettings {
  /** IP address of the server. */
  host: string;
  port: number;
  /** Local IP address to bind the client's UDP socket to. */
  localHost: string;
  servername: string;
  verifyPeer: boolean;
  ca: Pem | Pem[] | undefined;
  handshakeTimeout: number;
}
