import type { QUICConnection, QUICServer, QUICSocket, QUICStream } from "@matrixai/quic";
import { ErrorCode, formatHostPort, MsgError } from "@msg/core";
import type { Pem } from "../options.js";
import { describe } from "./describe.js";
import {
  bridgeLogger,
  libraryLogger,
  serverCrypto,
  sessionConfig,
  sizeUdpBuffers,
  streamCodec,
  toPemText,
} from "./glue.js";
import { loadQuicLibrary, type QuicLibrary } from "./load.js";
import { internals, LibrarySession } from "./session.js";
import {
  CloseCode,
  type IncomingStream,
  type QuicServerEndpoint,
  type QuicSessionSettings,
  type ServerEndpointOptions,
  type ServerSession,
} from "./types.js";

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
      `cannot bind QUIC to ${formatHostPort(options.host, options.port)}: ${describe(cause)}`,
      { cause: error },
    );
  }
  sizeUdpBuffers(socket, options.udpBufferSize);
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
      // One bidirectional stream per connection (docs/protocol.md, "QUIC"): quiche refuses a second concurrent one.
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
