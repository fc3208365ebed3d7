import type { QUICClient, QUICSocket } from "@matrixai/quic";
import { ErrorCode, formatHostPort, MsgError } from "@msg/core";
import { closeReason, describe } from "./describe.js";
import {
  bridgeLogger,
  clientCrypto,
  libraryLogger,
  sessionConfig,
  sizeUdpBuffers,
  streamCodec,
  toPemList,
} from "./glue.js";
import { loadQuicLibrary, type QuicLibrary } from "./load.js";
import { LibrarySession } from "./session.js";
import type {
  ClientOptions,
  ClientSession,
  CloseCode,
  QuicSessionSettings,
  QuicStreamPair,
} from "./types.js";

/**
 * Opens a QUIC connection and completes its handshake. Rejects with a MsgError `connect_failed` (nothing
 * answered within `handshakeTimeout`), `handshake_failed` (TLS or ALPN refused) or `aborted`.
 */
export async function connectQuic(options: ClientOptions, signal?: AbortSignal): Promise<ClientSession> {
  const lib = await loadQuicLibrary();
  const target = formatHostPort(options.host, options.port);
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

class LibraryClientSession extends LibrarySession implements ClientSession {
  readonly released: Promise<void>;
  readonly #client: QUICClient;

  constructor(lib: QuicLibrary, client: QUICClient, settings: QuicSessionSettings) {
    super(lib, client.connection, settings);
    this.#client = client;
    // The client's own UDP socket, created by the library with the system's buffer sizes.
    sizeUdpBuffers((client as unknown as { socket: QUICSocket }).socket, settings.udpBufferSize);
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
