/**
 * The one module that knows `@matrixai/quic` (quiche bindings). Everything else in this package works
 * with {@link QuicSession}, {@link QuicServerEndpoint} and WHATWG stream pairs, so the library can be
 * replaced by rewriting this file alone.
 *
 * The library is ESM only; it is loaded with a dynamic `import()` so that the CommonJS build of this
 * package works too (Node 20 cannot `require` an ES module).
 */
import { createHmac, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";
import type { ReadableStream, WritableStream } from "node:stream/web";
import type { QUICClient, QUICConnection, QUICServer, QUICSocket, QUICStream } from "@matrixai/quic";
import { type ConnectionStats, createLogger, ErrorCode, type Logger, MsgError, toMsgError } from "@msg/core";
import { formatAddress } from "./address.js";
import type { Pem } from "./options.js";

type QuicLibrary = typeof import("@matrixai/quic");

let libraryLoading: Promise<QuicLibrary> | undefined;

/** Loads `@matrixai/quic` once (its native binding included). */
export function loadQuicLibrary(): Promise<QuicLibrary> {
  libraryLoading ??= import("@matrixai/quic");
  return libraryLoading;
}

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

/** The readable and writable halves of one QUIC stream. */
export interface QuicStreamPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** Settings shared by the client and server sides, already validated (see options.ts). */
export interface QuicSessionSettings {
  alpn: string;
  keepAliveInterval: number;
  idleTimeout: number;
  initialMtu: number;
  readChunkSize: number;
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
  /** What the library reports about the connection, in core's terms. */
  stats(): Partial<ConnectionStats>;
  /**
   * Translates an error the library put on the stream into the one the connection reports: a MsgError
   * `connection_lost`, or undefined when the peer closed the connection in an orderly way.
   */
  streamError(error: unknown): Error | undefined;
}

export interface ClientSession extends QuicSession {
  /** Opens the connection's bidirectional stream. Nothing reaches the peer until data is written. */
  openStream(): QuicStreamPair;
}

/** The client's stream, as the server sees it arrive. */
export interface IncomingStream {
  stream: QuicStreamPair;
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
}

/** A bound UDP socket answering QUIC handshakes. */
export interface QuicServerEndpoint {
  readonly host: string;
  readonly port: number;
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

const libraryLogger = createLogger("transport.quic.library");

/**
 * Starts a QUIC server on `host:port`. Each connection whose handshake completes is handed to
 * `onSession`. Rejects with a MsgError `bind_failed`.
 */
export async function listenQuic(
  options: ServerEndpointOptions,
  onSession: (session: ServerSession) => void,
): Promise<QuicServerEndpoint> {
  const lib = await loadQuicLibrary();
  const logger = bridgeLogger(libraryLogger);
  // The socket is ours rather than the server's, so that stopping to accept does not close the
  // connections already established on it (QUICServer.stop would).
  const socket = new lib.QUICSocket({ logger });
  try {
    await socket.start({ host: options.host, port: options.port });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw new MsgError(
      ErrorCode.BindFailed,
      `cannot bind QUIC to ${formatAddress(options.host, options.port)}: ${describe(cause)}`,
      { cause: error },
    );
  }
  const server = new lib.QUICServer({
    socket,
    logger,
    ...streamCodec,
    crypto: serverCrypto(),
    // Bounds the handshake of accepted connections (the library's "start" of a server connection).
    minIdleTimeout: options.handshakeTimeout,
    config: {
      ...sessionConfig(options),
      key: toPemText(options.key),
      cert: toPemText(options.cert),
      verifyPeer: false,
      // One bidirectional stream per connection (PROTOCOL §7): quiche refuses a second concurrent one.
      initialMaxStreamsBidi: 1,
    },
  });
  server.addEventListener(lib.events.EventQUICServerConnection.name, (event: Event) => {
    const connection = (event as CustomEvent<QUICConnection>).detail;
    onSession(new LibraryServerSession(lib, connection, options));
  });
  await server.start();
  return new LibraryServerEndpoint(socket, server);
}

/**
 * Opens a QUIC connection and completes its handshake. Rejects with a MsgError `connect_failed` (nothing
 * answered within `handshakeTimeout`), `handshake_failed` (TLS or ALPN refused) or `aborted`.
 */
export async function connectQuic(options: ClientOptions, signal?: AbortSignal): Promise<ClientSession> {
  const lib = await loadQuicLibrary();
  const target = formatAddress(options.host, options.port);
  const abort = new AbortController();
  const timeoutError = new MsgError(
    ErrorCode.ConnectFailed,
    `no QUIC handshake with ${target} within ${options.handshakeTimeout} ms (nothing listening, or packets lost)`,
  );
  const timer = setTimeout(() => abort.abort(timeoutError), options.handshakeTimeout);
  const onAbort = () =>
    abort.abort(new MsgError(ErrorCode.Aborted, `connect to ${target} aborted`, { cause: signal?.reason }));
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });

  const creating = lib.QUICClient.createQUICClient(
    {
      host: options.host,
      port: options.port,
      localHost: options.localHost,
      serverName: options.servername,
      crypto: clientCrypto,
      logger: bridgeLogger(libraryLogger),
      ...streamCodec,
      config: {
        ...sessionConfig(options),
        verifyPeer: options.verifyPeer,
        ...(options.ca === undefined ? {} : { ca: toPemList(options.ca) }),
        // The server never opens streams towards a msg client.
        initialMaxStreamsBidi: 0,
      },
    },
    { signal: abort.signal },
  );
  // The library settles `creating` only after the failed connection has drained (up to seconds); answer
  // the caller as soon as the timeout or abort fires instead, and clean up behind.
  const aborted = new Promise<never>((_, reject) => {
    if (abort.signal.aborted) reject(abort.signal.reason);
    else abort.signal.addEventListener("abort", () => reject(abort.signal.reason), { once: true });
  });
  try {
    const client = await Promise.race([creating, aborted]);
    return new LibraryClientSession(lib, client, options);
  } catch (error) {
    creating.then(
      (client) => void client.destroy({ force: true }).catch(() => {}),
      () => {},
    );
    if (abort.signal.aborted) throw abort.signal.reason;
    throw connectError(lib, error, target);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function connectError(lib: QuicLibrary, error: unknown, target: string): MsgError {
  const { errors } = lib;
  if (error instanceof errors.ErrorQUICConnectionLocalTLS) {
    return new MsgError(
      ErrorCode.HandshakeFailed,
      `QUIC handshake with ${target} failed: we refused the server's certificate (${closeReason(error.data)})`,
      { cause: error },
    );
  }
  if (error instanceof errors.ErrorQUICConnectionPeerTLS || error instanceof errors.ErrorQUICConnectionPeer) {
    return new MsgError(
      ErrorCode.HandshakeFailed,
      `QUIC handshake with ${target} failed: the server refused it (${closeReason(error.data)})`,
      { cause: error },
    );
  }
  if (error instanceof errors.ErrorQUICClientInvalidHost || error instanceof errors.ErrorQUICHostInvalid) {
    return new MsgError(ErrorCode.InvalidAddress, `cannot connect QUIC to ${target}: ${describe(error)}`, {
      cause: error,
    });
  }
  return new MsgError(ErrorCode.ConnectFailed, `QUIC connect to ${target} failed: ${describe(error)}`, {
    cause: error,
  });
}

/** The settings both sides put in the library's config. */
function sessionConfig(settings: QuicSessionSettings) {
  return {
    applicationProtos: [settings.alpn],
    keepAliveIntervalTime: settings.keepAliveInterval > 0 ? settings.keepAliveInterval : undefined,
    maxIdleTimeout: settings.idleTimeout,
    maxSendUdpPayloadSize: settings.initialMtu,
    readableChunkSize: settings.readChunkSize,
    initialMaxStreamsUni: 0,
  };
}

class LibraryServerEndpoint implements QuicServerEndpoint {
  /** The bound address, kept: the socket forgets it once stopped. */
  readonly host: string;
  readonly port: number;
  readonly #socket: QUICSocket;
  readonly #server: QUICServer;
  #closing: Promise<void> | undefined;

  constructor(socket: QUICSocket, server: QUICServer) {
    this.#socket = socket;
    this.#server = server;
    this.host = socket.host;
    this.port = socket.port;
  }

  stopAccepting(): void {
    this.#socket.unsetServer();
  }

  setCertificate(cert: Pem, key: Pem): void {
    this.#server.updateConfig({ cert: toPemText(cert), key: toPemText(key) });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // QUICServer.stop waits for every connection on the socket to finish its closing period (up to
      // seconds for refused or failed handshakes). Let it send their CONNECTION_CLOSE frames, give the
      // event loop one turn to put them on the wire, then release the socket without waiting.
      const stopping = this.#server.stop({ force: true });
      stopping.catch((error: unknown) =>
        libraryLogger.debug("stopping the QUIC server failed", { error: describe(error) }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await this.#socket.stop({ force: true });
    })();
    return this.#closing;
  }
}

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

function internals(connection: QUICConnection): ConnectionInternals {
  return connection as unknown as ConnectionInternals;
}

abstract class LibrarySession implements QuicSession {
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
    this.localAddress = formatAddress(connection.localHost, connection.localPort);
    this.remoteAddress = formatAddress(connection.remoteHost, connection.remotePort);
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

class LibraryClientSession extends LibrarySession implements ClientSession {
  readonly released: Promise<void>;
  readonly #client: QUICClient;

  constructor(lib: QuicLibrary, client: QUICClient, settings: QuicSessionSettings) {
    super(lib, client.connection, settings);
    this.#client = client;
    // Resolves once the connection has drained and the client's own UDP socket is closed.
    this.released = client.closedP;
  }

  openStream(): QuicStreamPair {
    this.stream = this.connection.newStream("bidi");
    return this.stream;
  }

  protected stop(code: CloseCode): Promise<void> {
    return this.#client.destroy({ isApp: true, errorCode: code, force: true });
  }
}

class LibraryServerSession extends LibrarySession implements ServerSession {
  readonly released: Promise<void>;
  #incoming: IncomingStream | undefined;
  #streamListener: ((incoming: IncomingStream) => void) | undefined;

  constructor(lib: QuicLibrary, connection: QUICConnection, settings: QuicSessionSettings) {
    super(lib, connection, settings);
    this.released = connection.closedP;
    connection.addEventListener(lib.events.EventQUICConnectionStream.name, (event: Event) =>
      this.#streamArrived((event as CustomEvent<QUICStream>).detail),
    );
    // A client that writes right after its handshake can have its stream processed before the library
    // announced the connection (quinn coalesces the two): pick up streams that are already there.
    for (const stream of internals(connection).streamMap.values()) this.#streamArrived(stream);
  }

  onStream(listener: (incoming: IncomingStream) => void): void {
    this.#streamListener = listener;
    if (this.#incoming) listener(this.#incoming);
  }

  protected stop(code: CloseCode): Promise<void> {
    return this.connection.stop({ isApp: true, errorCode: code, force: true });
  }

  #streamArrived(stream: QUICStream): void {
    if (stream === this.stream) return;
    if (this.stream || stream.type !== "bidi") {
      stream.cancel(new Error("one stream per connection"));
      return;
    }
    this.stream = stream;
    // Read the first bytes before announcing the stream: a client that closes without writing makes
    // the library reset its stream, which opens it here with no data.
    const reader = stream.readable.getReader();
    reader.read().then(
      ({ value, done }) => {
        reader.releaseLock();
        this.#incoming = { stream, firstBytes: done ? undefined : value };
        this.#streamListener?.(this.#incoming);
      },
      () => {
        reader.releaseLock();
        this.close(CloseCode.Normal);
      },
    );
  }
}

/** The reason a library stream error carries when the peer reset the stream. */
class StreamReset extends Error {
  constructor(
    readonly direction: "read" | "write",
    readonly code: number,
  ) {
    super(`peer reset the stream's ${direction} side with code ${code}`);
  }
}

/**
 * How stream resets are described: the reason a reset stream's reader or writer fails with, and the code
 * this side resets a stream with when the library stops a connection (0 when we close it ourselves, 1
 * when the connection failed).
 */
const streamCodec = {
  codeToReason: (direction: "read" | "write", code: number) => new StreamReset(direction, code),
  reasonToCode: (_direction: "read" | "write", reason?: unknown) =>
    reason == null ? CloseCode.Normal : CloseCode.Error,
};

/** Server crypto: HMAC-SHA256 over a per-listener random key (signs QUIC retry tokens). */
function serverCrypto() {
  const key = randomBytes(32);
  const hmac = (secret: ArrayBuffer, data: ArrayBuffer) =>
    createHmac("sha256", bytes(secret)).update(bytes(data)).digest();
  return {
    key: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength),
    ops: {
      async sign(secret: ArrayBuffer, data: ArrayBuffer): Promise<ArrayBuffer> {
        const mac = hmac(secret, data);
        return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength);
      },
      async verify(secret: ArrayBuffer, data: ArrayBuffer, signature: ArrayBuffer): Promise<boolean> {
        const expected = hmac(secret, data);
        const given = bytes(signature);
        return given.byteLength === expected.byteLength && timingSafeEqual(expected, given);
      },
    },
  };
}

const clientCrypto = {
  ops: {
    async randomBytes(data: ArrayBuffer): Promise<void> {
      randomFillSync(bytes(data));
    },
  },
};

/** The library passes ArrayBuffers or typed arrays (connection ids) where it says ArrayBuffer. */
function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function toPemText(pem: Pem): string {
  return typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
}

function toPemList(pems: Pem | Pem[]): string[] {
  return (Array.isArray(pems) ? pems : [pems]).map(toPemText);
}

/** TLS alerts a handshake typically fails with (QUIC carries them as 0x100 + alert). */
const tlsAlerts: Record<number, string> = {
  40: "handshake_failure",
  42: "bad_certificate",
  45: "certificate_expired",
  46: "certificate_unknown",
  48: "unknown_ca",
  80: "internal_error",
  112: "unrecognized_name",
  116: "certificate_required",
  120: "no_application_protocol (ALPN mismatch)",
};

function closeReason(data: { isApp: boolean; errorCode: number; reason?: Uint8Array } | undefined): string {
  if (!data) return "no error code";
  const { isApp, errorCode, reason } = data;
  const text = reason && reason.byteLength > 0 ? `: ${Buffer.from(reason).toString("utf8")}` : "";
  if (isApp) return `application code ${errorCode}${text}`;
  if (errorCode >= 0x100 && errorCode <= 0x1ff) {
    const alert = errorCode - 0x100;
    return `TLS alert ${alert} ${tlsAlerts[alert] ?? ""}`.trimEnd() + text;
  }
  return `transport code ${errorCode}${text}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * The library logs through a `@matrixai/logger` Logger (at INFO by default, to stderr). This routes its
 * records into msg's logging instead, at debug level, under `transport.quic.library`.
 */
function bridgeLogger(logger: Logger, prefix = ""): never {
  const bridge = {
    getChild: (key: string) => bridgeLogger(logger, `${prefix}${key}: `),
    debug: (message?: unknown) => logger.trace(`${prefix}${String(message)}`),
    info: (message?: unknown) => logger.debug(`${prefix}${String(message)}`),
    warn: (message?: unknown) => logger.warn(`${prefix}${String(message)}`),
    error: (message?: unknown) => logger.error(`${prefix}${String(message)}`),
  };
  return bridge as never;
}
