import { createServer as createHttpServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { SecureContextOptions } from "node:tls";
import {
  type Connection,
  createLogger,
  ErrorCode,
  formatHostPort,
  type Listener,
  MsgError,
  type PendingConnection,
  type TransportControl,
  unsupportedControl,
} from "@msg/core";
import type { WebSocketServer } from "ws";
import { formatWsUrl, type WsAddress } from "./address.js";
import { openConnection } from "./open.js";
import type { ResolvedWsOptions } from "./options.js";
import { checkContext } from "./tls-options.js";
import { loadWs } from "./ws-library.js";

const log = createLogger("transport.ws");

/** Counters of one listener since it was bound. */
export interface WsListenerStats {
  /** Upgrade requests now waiting for `accept()` or `reject()`. */
  pending: number;
  /** Upgrade requests that became a Connection through `accept()`. */
  accepted: number;
  /** `accept()`s that failed: an invalid upgrade request (bad key or version), a client that left. */
  acceptFailed: number;
  /** Upgrade requests refused by `reject()` (HTTP 503). */
  rejected: number;
  /** Upgrade requests refused with HTTP 503 because `maxPendingConnections` were already waiting. */
  refusedFull: number;
  /** Upgrade requests refused with HTTP 403: an `Origin` outside `allowedOrigins`. */
  refusedOrigin: number;
  /** Requests for another path, refused with HTTP 404. */
  refusedPath: number;
  /** Plain HTTP requests (not a WebSocket upgrade), answered with HTTP 426 or 400. */
  notWebSocket: number;
  /** wss: TLS handshakes that failed (a refused client certificate, a timeout, garbage). */
  tlsFailed: number;
}

type Counts = { -readonly [K in keyof WsListenerStats]: number };

export interface WsListenParams {
  /** `ws` or `wss`. */
  transport: string;
  /** The address as the user wrote it, for errors. */
  address: string;
  target: WsAddress;
  options: ResolvedWsOptions;
  /** wss: the server's certificates, CA, versions, and whether client certificates are required. */
  tls?: { context: SecureContextOptions; requireClientCert: boolean } | undefined;
  onIncoming(pending: PendingConnection): void;
}

/**
 * A WebSocket listener: an HTTP (or HTTPS) server of its own whose upgrade requests for the listener's
 * path, from an allowed origin, are offered as PendingConnections; `accept()` completes the upgrade
 * (HTTP 101) and `reject()` answers 503. TLS runs inside the HTTPS server before the request is read,
 * concurrently for every client, bounded by `handshakeTimeout`; so is the wait for the request.
 */
export class WsListener implements Listener {
  readonly localAddress: string;
  readonly #server: Server;
  readonly #params: WsListenParams;
  readonly #webSockets: WebSocketServer;
  readonly #counts: Counts = {
    pending: 0,
    accepted: 0,
    acceptFailed: 0,
    rejected: 0,
    refusedFull: 0,
    refusedOrigin: 0,
    refusedPath: 0,
    notWebSocket: 0,
    tlsFailed: 0,
  };
  /** Why ws refused an upgrade request (bad key, version...), read by the pending accept() that asked. */
  readonly #invalidUpgrades = new WeakMap<Duplex, string>();
  /** Each connection's deadline for its upgrade request. */
  readonly #handshakeTimers = new WeakMap<Socket, NodeJS.Timeout>();
  #closing: Promise<void> | undefined;

  private constructor(server: Server, params: WsListenParams, webSockets: WebSocketServer) {
    this.#server = server;
    this.#params = params;
    const bound = server.address();
    if (bound === null || typeof bound === "string") throw new Error("not a TCP server");
    this.localAddress = formatWsUrl(params.target.scheme, bound.address, bound.port, params.target.path);
    this.#webSockets = webSockets;
    // With a listener here, ws leaves the refusal of an invalid request to us, so accept() can say why.
    this.#webSockets.on("wsClientError", (error: Error, socket: Duplex) => {
      this.#invalidUpgrades.set(socket, error.message);
      refuse(socket, 400, error.message);
    });
    server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#onUpgrade(request, socket, head),
    );
    server.on("request", (_request, response) => {
      this.#counts.notWebSocket++;
      response.writeHead(426, { Connection: "close", Upgrade: "websocket", "Content-Type": "text/plain" });
      response.end("this is a msg WebSocket endpoint\n");
    });
    server.on("tlsClientError", (error: Error) => {
      this.#counts.tlsFailed++;
      log.debug("TLS handshake failed", { address: this.localAddress, error });
    });
    // A connection must bring its upgrade request within handshakeTimeout (counted after TLS, which the
    // HTTPS server bounds by the same timeout), or it is dropped: silent and slow clients hold nothing.
    server.on(params.tls ? "secureConnection" : "connection", (socket: Socket) => {
      const timer = setTimeout(() => socket.destroy(), params.options.handshakeTimeout);
      this.#handshakeTimers.set(socket, timer);
      socket.once("close", () => clearTimeout(timer));
    });
    // Errors after listening (accept failing with EMFILE, ...) must not crash the process.
    server.on("error", (error) => log.warn("listener error", { address: this.localAddress, error }));
  }

  /** Starts an HTTP(S) server on the target's host and port. Rejects with `bind_failed` or `invalid_address`. */
  static async listen(params: WsListenParams): Promise<WsListener> {
    const { WebSocketServer } = await loadWs();
    const webSockets = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: params.options.maxPayload,
      perMessageDeflate: params.options.perMessageDeflate,
    });
    const server = params.tls
      ? createHttpsServer({
          ...params.tls.context,
          handshakeTimeout: params.options.handshakeTimeout,
          requestCert: params.tls.requireClientCert,
          rejectUnauthorized: params.tls.requireClientCert,
        })
      : createHttpServer();
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.close();
        const unresolvable = error.code === "ENOTFOUND" || error.code === "EAI_AGAIN";
        reject(
          new MsgError(
            unresolvable ? ErrorCode.InvalidAddress : ErrorCode.BindFailed,
            `${params.transport}: cannot ${unresolvable ? "resolve" : "bind"} ${params.address}: ${error.code ?? error.message}`,
            { cause: error },
          ),
        );
      };
      server.once("error", onError);
      server.listen({ host: params.target.host, port: params.target.port }, () => {
        server.off("error", onError);
        resolve(new WsListener(server, params, webSockets));
      });
    });
  }

  /** This listener's counters since it was bound. */
  stats(): WsListenerStats {
    return { ...this.#counts };
  }

  /**
   * wss listeners understand `{ type: "tls.setCertificates", cert, key, ca? }`: new handshakes use these
   * certificates (and CA list, when given); established connections keep theirs. An unusable
   * certificate or key rejects with `invalid_argument` and leaves the current ones in place.
   */
  async control(message: TransportControl): Promise<void> {
    const tls = this.#params.tls;
    if (!tls || message.type !== "tls.setCertificates")
      throw unsupportedControl(this.#params.transport, message);
    const { cert, key, ca } = message as TransportControl & Pick<SecureContextOptions, "cert" | "key" | "ca">;
    if (cert === undefined || key === undefined) {
      throw new MsgError(ErrorCode.InvalidArgument, "tls.setCertificates needs `cert` and `key`");
    }
    const context = { ...tls.context, cert, key, ...(ca !== undefined ? { ca } : {}) };
    checkContext(context, "server");
    (this.#server as unknown as { setSecureContext(options: SecureContextOptions): void }).setSecureContext(
      context,
    );
    tls.context = context;
  }

  /**
   * Stops listening at once. Accepted connections stay open (an upgraded socket no longer belongs to
   * the HTTP server); connections still in their handshake are closed.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#server.listening) this.#server.close();
      this.#server.closeAllConnections();
    })();
    return this.#closing;
  }

  #onUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    // Until a Connection owns the socket, errors (a reset while pending) are only logged.
    socket.on("error", (error) => log.debug("pending socket error", { error }));
    clearTimeout(this.#handshakeTimers.get(socket));
    const refusal = this.#refusal(request);
    if (refusal) {
      this.#counts[refusal.count]++;
      refuse(socket, refusal.status, refusal.message);
      return;
    }
    const { target } = this.#params;
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined) {
      // The peer left before its address could be read.
      socket.destroy();
      return;
    }
    this.#params.onIncoming(
      new WsPendingConnection({
        request,
        socket,
        head,
        remoteAddress: formatHostPort(remoteAddress, remotePort),
        localAddress: formatWsUrl(target.scheme, localAddress, localPort ?? 0, target.path),
        listener: this.#params,
        webSockets: this.#webSockets,
        invalidUpgrades: this.#invalidUpgrades,
        counts: this.#counts,
      }),
    );
  }

  /** Why an upgrade request is answered with an HTTP error instead of being offered, if it is. */
  #refusal(request: IncomingMessage): { status: number; message: string; count: keyof Counts } | undefined {
    const { options, target } = this.#params;
    if (request.method !== "GET" || request.headers.upgrade?.toLowerCase() !== "websocket") {
      return { status: 400, message: "expected a WebSocket upgrade request", count: "notWebSocket" };
    }
    if (pathOf(request) !== target.path) {
      return {
        status: 404,
        message: `no msg listener at this path (it serves ${target.path})`,
        count: "refusedPath",
      };
    }
    const origin = request.headers.origin ?? request.headers["sec-websocket-origin"];
    if (
      options.allowedOrigins &&
      typeof origin === "string" &&
      !options.allowedOrigins.has(origin.toLowerCase())
    ) {
      return { status: 403, message: `origin ${origin} is not allowed`, count: "refusedOrigin" };
    }
    if (this.#counts.pending >= options.maxPendingConnections) {
      return { status: 503, message: "too many connections waiting to be accepted", count: "refusedFull" };
    }
    return undefined;
  }
}

interface PendingParams {
  request: IncomingMessage;
  socket: Socket;
  head: Buffer;
  remoteAddress: string;
  /** This end's address as the Connection names it: the URL served, with the local IP and port. */
  localAddress: string;
  listener: WsListenParams;
  webSockets: WebSocketServer;
  invalidUpgrades: WeakMap<Duplex, string>;
  counts: Counts;
}

class WsPendingConnection implements PendingConnection {
  readonly remoteAddress: string;
  readonly #params: PendingParams;
  #settled = false;

  constructor(params: PendingParams) {
    this.#params = params;
    this.remoteAddress = params.remoteAddress;
    params.counts.pending++;
  }

  accept(): Promise<Connection> {
    const { socket, counts, listener } = this.#params;
    if (!this.#settle()) {
      return Promise.reject(
        new MsgError(ErrorCode.InvalidState, `connection from ${this.remoteAddress} was already settled`),
      );
    }
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        counts.acceptFailed++;
        socket.destroy();
        reject(
          new MsgError(
            ErrorCode.HandshakeFailed,
            `${listener.transport}: accept ${this.remoteAddress}: ${why}`,
          ),
        );
      };
      if (socket.destroyed) return fail("the client closed the connection before it was accepted");
      const onClose = () =>
        fail(
          this.#params.invalidUpgrades.get(socket) ?? "the client closed the connection during the upgrade",
        );
      socket.once("close", onClose);
      this.#params.webSockets.handleUpgrade(this.#params.request, socket, this.#params.head, (ws) => {
        socket.off("close", onClose);
        counts.accepted++;
        resolve(
          openConnection(
            ws,
            listener.transport,
            { localAddress: this.#params.localAddress, remoteAddress: this.remoteAddress },
            listener.options,
          ),
        );
      });
    });
  }

  reject(): void {
    if (!this.#settle()) return;
    this.#params.counts.rejected++;
    refuse(this.#params.socket, 503, "connection refused by the server");
  }

  /** Marks the pending connection as handled; false when it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#params.counts.pending--;
    return true;
  }
}

/** The request's path, without its query. */
function pathOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? "/", "ws://host").pathname;
  } catch {
    return "";
  }
}

/** Answers an upgrade request with an HTTP error and closes the connection once the answer is out. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
