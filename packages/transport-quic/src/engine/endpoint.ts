import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { isIP } from "node:net";
import { createLogger, ErrorCode, formatHostPort, MsgError } from "@msg/core";
import { closeReason, describe } from "../library/describe.js";
import { loadQuicLibrary } from "../library/load.js";
import {
  type ClientOptions,
  CloseCode,
  type IncomingStream,
  type QuicServerEndpoint,
  type ServerEndpointOptions,
} from "../library/types.js";
import type { Pem } from "../options.js";
import { nativeConfig } from "./config.js";
import type { HostPort, NativeConfig, Quiche } from "./native.js";
import { STREAM_ID, streamResetCode } from "./native.js";
import { EngineSession, type EngineSessionSettings } from "./session.js";

const log = createLogger("transport.quic");

/** Opens a UDP socket on `host:port` with both buffers sized to `bufferSize` (0 keeps the system's). */
async function openUdpSocket(host: string, port: number, bufferSize: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: isIP(host) === 6 ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  // Sending errors (an unreachable peer) are reported here; the connection's timers deal with the loss.
  socket.on("error", (error) => log.debug("QUIC UDP socket error", { error: describe(error) }));
  if (bufferSize > 0) {
    try {
      socket.setRecvBufferSize(bufferSize);
      socket.setSendBufferSize(bufferSize);
    } catch (error) {
      log.debug("cannot size the UDP socket's buffers", { bufferSize, error: describe(error) });
    }
  }
  return socket;
}

function sender(socket: dgram.Socket) {
  return (datagram: Buffer, peer: HostPort) => socket.send(datagram, peer.port, peer.host);
}

// ---------------------------------------------------------------------------------------------------
// Client

/**
 * Opens a QUIC connection on a UDP socket of its own (closed once the connection is released) and
 * completes its handshake. Rejects with a MsgError `connect_failed` (nothing answered within
 * `handshakeTimeout`, or no local socket), `handshake_failed` (TLS or ALPN refused) or `aborted`.
 */
export async function connectEngine(
  options: ClientOptions & EngineSessionSettings,
  signal?: AbortSignal,
): Promise<EngineSession> {
  const { native } = await loadQuicLibrary();
  const quiche = native.quiche;
  const target = formatHostPort(options.host, options.port);
  if (signal?.aborted) {
    throw new MsgError(ErrorCode.Aborted, `connect to ${target} aborted`, { cause: signal.reason });
  }
  const config = nativeConfig(quiche, options, {
    role: "client",
    verifyPeer: options.verifyPeer,
    ca: options.ca,
  });
  let socket: dgram.Socket;
  try {
    socket = await openUdpSocket(options.localHost, 0, options.udpBufferSize);
  } catch (error) {
    throw new MsgError(
      ErrorCode.ConnectFailed,
      `QUIC connect to ${target}: no local UDP socket (${describe(error)})`,
      {
        cause: error,
      },
    );
  }
  const local = { host: options.localHost, port: socket.address().port };
  const peer = { host: options.host, port: options.port };
  let session: EngineSession;
  try {
    const conn = quiche.Connection.connect(
      options.servername,
      randomBytes(quiche.MAX_CONN_ID_LEN),
      local,
      peer,
      config,
    );
    session = new EngineSession(conn, sender(socket), local, peer, options);
  } catch (error) {
    socket.close();
    throw new MsgError(ErrorCode.ConnectFailed, `QUIC connect to ${target} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  socket.on("message", (datagram) => session.receive(datagram));
  void session.released.then(() => socket.close());

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: MsgError) => {
        reject(error);
        session.dispose();
      };
      timer = setTimeout(
        () =>
          fail(
            new MsgError(
              ErrorCode.ConnectFailed,
              `no QUIC handshake with ${target} within ${options.handshakeTimeout} ms (nothing listening, or packets lost)`,
            ),
          ),
        options.handshakeTimeout,
      );
      onAbort = () =>
        fail(new MsgError(ErrorCode.Aborted, `connect to ${target} aborted`, { cause: signal?.reason }));
      signal?.addEventListener("abort", onAbort, { once: true });
      session.onEstablished(resolve);
      session.onClose(() => {
        if (!session.established) reject(handshakeError(session, target));
      });
      session.flushNow();
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  return session;
}

/** The error a handshake that ended in a close reports. */
function handshakeError(session: EngineSession, target: string): MsgError {
  const { peer, local, timedOut } = session.closeInfo();
  if (peer) {
    return new MsgError(
      ErrorCode.HandshakeFailed,
      `QUIC handshake with ${target} failed: the server refused it (${closeReason(peer)})`,
    );
  }
  if (local && local.errorCode >= 0x100 && local.errorCode <= 0x1ff) {
    return new MsgError(
      ErrorCode.HandshakeFailed,
      `QUIC handshake with ${target} failed: we refused the server's certificate (${closeReason(local)})`,
    );
  }
  return new MsgError(
    ErrorCode.ConnectFailed,
    `QUIC connect to ${target} failed: ${timedOut ? "timed out" : closeReason(local ?? undefined)}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Server

/** A server connection with the stream arrival the listener waits for. */
export class ServerEngineSession extends EngineSession {
  #incoming: IncomingStream | undefined;
  #streamListener: ((incoming: IncomingStream) => void) | undefined;

  onStream(listener: (incoming: IncomingStream) => void): void {
    this.#streamListener = listener;
    if (this.#incoming) listener(this.#incoming);
  }

  /**
   * Looks for the client's stream on each pass until it arrives: it is announced with its first bytes
   * (or its end). A stream announced only by a reset closes the connection.
   */
  protected override beforeStreamIO(): void {
    if (this.stream || !this.conn.streamReadable(STREAM_ID)) return;
    const first = Buffer.allocUnsafe(65_536);
    let result: [number, boolean] | null;
    try {
      result = this.conn.streamRecv(STREAM_ID, first);
    } catch (error) {
      if (streamResetCode(error) !== undefined) this.close(CloseCode.Normal);
      return;
    }
    if (result === null) return;
    const [length, fin] = result;
    const stream = this.acceptStream();
    if (fin) stream.endRead();
    this.#incoming = { stream, firstBytes: length > 0 ? Buffer.from(first.subarray(0, length)) : undefined };
    this.#streamListener?.(this.#incoming);
  }
}

/**
 * Starts a QUIC server on `host:port`: one UDP socket; datagrams are routed to connections by their
 * destination connection id; an Initial packet with an unknown one starts a connection. Each connection
 * whose handshake completes is handed to `onSession`. Rejects with a MsgError `bind_failed`.
 */
export async function listenEngine(
  options: ServerEndpointOptions & EngineSessionSettings,
  onSession: (session: ServerEngineSession) => void,
): Promise<QuicServerEndpoint> {
  const { native } = await loadQuicLibrary();
  let socket: dgram.Socket;
  try {
    socket = await openUdpSocket(options.host, options.port, options.udpBufferSize);
  } catch (error) {
    throw new MsgError(
      ErrorCode.BindFailed,
      `cannot bind QUIC to ${formatHostPort(options.host, options.port)}: ${describe(error)}`,
      { cause: error },
    );
  }
  return new EngineServer(native.quiche, socket, options, onSession);
}

class EngineServer implements QuicServerEndpoint {
  readonly host: string;
  readonly port: number;
  readonly #quiche: Quiche;
  readonly #socket: dgram.Socket;
  readonly #options: ServerEndpointOptions & EngineSessionSettings;
  readonly #onSession: (session: ServerEngineSession) => void;
  readonly #send: (datagram: Buffer, peer: HostPort) => void;
  /** Connections by each connection id a peer may address them with (ours, and the client's first). */
  readonly #routes = new Map<string, ServerEngineSession>();
  readonly #sessions = new Set<ServerEngineSession>();
  #config: NativeConfig;
  #accepting = true;
  /** Connections accepted whose handshake is still in progress (bounded by `maxHandshakes`). */
  #handshaking = 0;
  #droppedHandshakes = 0;
  #closing: Promise<void> | undefined;

  constructor(
    quiche: Quiche,
    socket: dgram.Socket,
    options: ServerEndpointOptions & EngineSessionSettings,
    onSession: (session: ServerEngineSession) => void,
  ) {
    this.#quiche = quiche;
    this.#socket = socket;
    this.#options = options;
    this.#onSession = onSession;
    this.#send = sender(socket);
    const address = socket.address();
    this.host = address.address;
    this.port = address.port;
    this.#config = this.#newConfig(options.cert, options.key);
    socket.on("message", (datagram, remote) => this.#receive(datagram, remote));
  }

  get droppedHandshakes(): number {
    return this.#droppedHandshakes;
  }

  stopAccepting(): void {
    this.#accepting = false;
  }

  setCertificate(cert: Pem, key: Pem): void {
    this.#config = this.#newConfig(cert, key);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#accepting = false;
      // Send each remaining connection's CONNECTION_CLOSE, give the event loop a turn to put them on
      // the wire, then release the socket without waiting for their closing periods.
      for (const session of this.#sessions) session.close(CloseCode.Refused);
      await new Promise((resolve) => setImmediate(resolve));
      for (const session of [...this.#sessions]) session.dispose();
      await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    })();
    return this.#closing;
  }

  #newConfig(cert: Pem, key: Pem): NativeConfig {
    try {
      return nativeConfig(this.#quiche, this.#options, { role: "server", cert, key });
    } catch (error) {
      throw new MsgError(ErrorCode.InvalidArgument, `QUIC certificate or key refused: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  #receive(datagram: Buffer, remote: dgram.RemoteInfo): void {
    const quiche = this.#quiche;
    let header: ReturnType<Quiche["Header"]["fromSlice"]>;
    try {
      header = quiche.Header.fromSlice(datagram, quiche.MAX_CONN_ID_LEN);
    } catch {
      return; // not QUIC
    }
    const known = this.#routes.get(routeKey(header.dcid));
    if (known) {
      known.receive(datagram);
      return;
    }
    if (header.ty !== quiche.Type.Initial || !this.#accepting || this.#closing) return;
    const peer = { host: remote.address, port: remote.port };
    if (!quiche.versionIsSupported(header.version)) {
      const out = Buffer.allocUnsafe(quiche.MAX_DATAGRAM_SIZE);
      const length = quiche.negotiateVersion(header.scid, header.dcid, out);
      this.#send(out.subarray(0, length), peer);
      return;
    }
    // A client's first datagram is padded to 1200 bytes; anything shorter is not a real Initial.
    if (datagram.byteLength < quiche.MIN_CLIENT_INITIAL_LEN) return;
    if (this.#handshaking >= this.#options.maxHandshakes) {
      this.#droppedHandshakes++;
      return;
    }
    this.#accept(datagram, header.dcid, peer);
  }

  #accept(datagram: Buffer, clientDcid: Uint8Array, peer: HostPort): void {
    const quiche = this.#quiche;
    const scid = randomBytes(quiche.MAX_CONN_ID_LEN);
    const local = { host: this.host, port: this.port };
    let session: ServerEngineSession;
    try {
      const conn = quiche.Connection.accept(scid, null, local, peer, this.#config);
      session = new ServerEngineSession(conn, this.#send, local, peer, this.#options);
    } catch (error) {
      log.debug("QUIC connection not accepted", {
        peer: formatHostPort(peer.host, peer.port),
        error: describe(error),
      });
      return;
    }
    const keys = [routeKey(scid), routeKey(clientDcid)];
    for (const key of keys) this.#routes.set(key, session);
    this.#sessions.add(session);
    this.#handshaking++;
    let handshaking = true;
    const handshakeDone = () => {
      if (!handshaking) return;
      handshaking = false;
      this.#handshaking--;
      clearTimeout(handshakeTimer);
    };
    const handshakeTimer = setTimeout(() => {
      if (!session.established) session.dispose();
    }, this.#options.handshakeTimeout);
    session.onEstablished(() => {
      handshakeDone();
      this.#onSession(session);
    });
    void session.released.then(() => {
      handshakeDone();
      for (const key of keys) this.#routes.delete(key);
      this.#sessions.delete(session);
    });
    session.receive(datagram);
  }
}

/** A connection id as a map key. */
function routeKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("latin1");
}
