import { checkInteger, ErrorCode, MAX_TIMER_MS, MsgError } from "@msg/core";

/** PEM text, or PEM bytes. */
export type Pem = string | Uint8Array;

/**
 * Options of {@link QuicTransport}. One transport object serves both sides: the server options apply to
 * `bind`, the client options to `connect`. Every default interoperates with msg-rs 0.1.6 (docs/protocol.md, "QUIC").
 */
export interface QuicTransportOptions {
  // --- Server (bind) ---

  /**
   * Server certificate chain in PEM, leaf first; requires `key`.
   * Default: a fresh self-signed ECDSA P-256 certificate for `localhost`, generated at each `bind` (what
   * msg-rs does at start-up).
   */
  cert?: Pem;
  /** Private key of `cert` in PEM. Default: generated with the self-signed certificate. */
  key?: Pem;
  /**
   * How long an accepted QUIC connection may wait for its client's stream (and for `accept()`) before it
   * is closed and counted in `stats().timedOut`. The stream only becomes visible once the client writes
   * (see README), so a client that stays silent longer than this is dropped and must reconnect.
   * Default 60000 ms; `Infinity` disables it.
   */
  firstStreamTimeout?: number;
  /**
   * How many handshaken connections may wait for their first stream (or for `accept()`) at once. Beyond
   * that new connections are closed at once and counted in `stats().refusedFull`. Each waiting
   * connection may hold up to its stream's flow-control window (1 MiB) of early data. Also bounds the
   * handshakes in progress at once: a new connection's Initial packet beyond that is dropped unanswered
   * and counted in `stats().refusedHandshakes`. Default 256.
   */
  maxPendingConnections?: number;

  // --- Client (connect) ---

  /**
   * Verify the server's certificate chain against `ca` and its name against `servername`.
   * Default false: like msg-rs, the client accepts any certificate (TLS 1.3 handshake signatures are still
   * checked, so the channel is encrypted but the server is not authenticated).
   */
  verifyPeer?: boolean;
  /** CA certificates (PEM) trusted when `verifyPeer` is on. Default: the system's CA store. */
  ca?: Pem | Pem[];
  /**
   * Server name sent in SNI and matched against the certificate when `verifyPeer` is on.
   * Default: the host of the address when it is a DNS name, `localhost` when it is an IP literal
   * (msg-rs's self-signed certificates name `localhost`).
   */
  servername?: string;
  /**
   * Maximum time for `connect` to complete the QUIC handshake. UDP gives no "connection refused", so
   * connecting to an address where nothing listens fails only when this expires (`connect_failed`).
   * Default 10000 ms.
   */
  handshakeTimeout?: number;

  // --- Both sides ---

  /** ALPN protocol identifier offered and required. Default `msg` (msg-rs). */
  alpn?: string;
  /** Interval of keep-alive PINGs on an otherwise idle connection, in ms; 0 disables. Default 10000. */
  keepAliveInterval?: number;
  /**
   * Idle timeout in ms: a connection that receives nothing for this long is closed (`connection_lost`).
   * Must be above `keepAliveInterval`; 0 means no idle timeout. Default 300000 (msg-rs).
   */
  idleTimeout?: number;
  /**
   * Largest UDP payload sent, in bytes (msg-rs: `initial_mtu` 1460). quiche does no path MTU
   * discovery, so this is also the maximum; lower it (down to 1200) on paths with a smaller MTU, e.g.
   * IPv6 over a 1500-byte link needs at most 1452. Default 1460.
   */
  initialMtu?: number;
  /** Size of each read from the QUIC stream, in bytes. Default 65536. */
  readChunkSize?: number;
  /**
   * Receive and send buffer of the UDP socket, in bytes (SO_RCVBUF / SO_SNDBUF). A QUIC sender bursts a
   * congestion window of datagrams at once; with Linux's default 208 KiB buffer a busy receiver drops
   * some (counted in `/proc/net/snmp` as `RcvbufErrors`), which quiche treats as congestion. The kernel
   * caps the value at `net.core.rmem_max` / `wmem_max`. 0 keeps the system default. Default 4194304.
   */
  udpBufferSize?: number;
  /** Bytes buffered on the write side before `write` returns false. Default 65536. */
  writeHighWaterMark?: number;
  /**
   * After both sides have ended the stream cleanly, how long to wait at most for the peer to acknowledge
   * the last bytes before the connection is closed (closing earlier would discard them). Default 2000 ms.
   */
  closeLinger?: number;
}

export type ResolvedQuicOptions = Required<Omit<QuicTransportOptions, "cert" | "key" | "ca" | "servername">> &
  Pick<QuicTransportOptions, "cert" | "key" | "ca" | "servername">;

/** The default of each {@link QuicTransportOptions} option that has one. */
export const quicDefaults = {
  /** ms a handshaken connection may wait for its client's stream. */
  firstStreamTimeout: 60_000,
  /** Connections that may wait for their stream at once. */
  maxPendingConnections: 256,
  /** The client does not verify the server's certificate (as msg-rs). */
  verifyPeer: false,
  /** ms a handshake may take. */
  handshakeTimeout: 10_000,
  /** The ALPN protocol, as msg-rs. */
  alpn: "msg",
  /** ms between keep-alive PINGs on an idle connection. */
  keepAliveInterval: 10_000,
  /** ms of silence after which a connection closes. */
  idleTimeout: 300_000,
  /** Largest UDP payload, in bytes. */
  initialMtu: 1460,
  /** Bytes per read from the stream. */
  readChunkSize: 65_536,
  /** SO_RCVBUF and SO_SNDBUF of the UDP socket, in bytes. */
  udpBufferSize: 4_194_304,
  /** Bytes buffered before `write()` returns false. */
  writeHighWaterMark: 65_536,
  /** ms to wait for the peer to acknowledge our last bytes on close. */
  closeLinger: 2_000,
} as const satisfies Partial<QuicTransportOptions>;

/** Applies defaults and checks ranges; throws a MsgError `invalid_argument`. */
export function resolveQuicOptions(options: QuicTransportOptions = {}): ResolvedQuicOptions {
  const resolved: ResolvedQuicOptions = { ...quicDefaults, ...withoutUndefined(options) };
  const fail = (why: string) => new MsgError(ErrorCode.InvalidArgument, `QUIC transport option ${why}`);
  if ((resolved.cert === undefined) !== (resolved.key === undefined)) {
    throw fail("`cert` and `key` must be given together");
  }
  if (resolved.alpn.length === 0 || Buffer.byteLength(resolved.alpn) > 255) {
    throw fail("`alpn` must be 1 to 255 bytes");
  }
  checkInteger("keepAliveInterval", resolved.keepAliveInterval, 0);
  checkInteger("idleTimeout", resolved.idleTimeout, 0);
  if (resolved.idleTimeout > 0 && resolved.keepAliveInterval >= resolved.idleTimeout) {
    throw fail("`keepAliveInterval` must be below `idleTimeout`");
  }
  checkInteger("initialMtu", resolved.initialMtu, 1200, 65527);
  checkInteger("readChunkSize", resolved.readChunkSize, 1);
  checkInteger("udpBufferSize", resolved.udpBufferSize, 0, 2 ** 31 - 1);
  checkInteger("writeHighWaterMark", resolved.writeHighWaterMark, 1);
  checkInteger("handshakeTimeout", resolved.handshakeTimeout, 1, MAX_TIMER_MS);
  checkInteger("closeLinger", resolved.closeLinger, 0, MAX_TIMER_MS);
  checkInteger("maxPendingConnections", resolved.maxPendingConnections, 1);
  if (resolved.firstStreamTimeout !== Number.POSITIVE_INFINITY) {
    checkInteger("firstStreamTimeout", resolved.firstStreamTimeout, 1, MAX_TIMER_MS);
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
