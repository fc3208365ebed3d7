import { connect, createServer, type ListenOptions, type Server, type Socket } from "node:net";
import type { Connection } from "../connection.js";
import { ErrorCode, MsgError, toMsgError } from "../errors.js";
import { createLogger } from "../logger.js";
import {
  type Listener,
  type PendingConnection,
  type TransportControl,
  unsupportedControl,
} from "../transport.js";
import type { adoptAccepted } from "./adopt-accepted.js";
import type { SlabReads } from "./slab-reads.js";

/**
 * The accept and connect machinery shared by the transports built on `node:net` (TCP, TLS, unix
 * sockets): one listener that turns every accepted socket into a {@link PendingConnection}, and one
 * connect with a timeout and an AbortSignal. Each transport supplies only what differs: how a raw
 * socket becomes a {@link Connection} (wrap at once, or run a TLS handshake first) and how addresses
 * are written.
 */

const log = createLogger("transport.net");

/** Counters of one listener since it was bound. */
export interface NetListenerStats {
  /** Accepted sockets now waiting for `accept()` or `reject()`. */
  pending: number;
  /** Sockets that became a Connection through `accept()`. */
  accepted: number;
  /** Sockets whose `accept()` failed (a TLS handshake that failed or timed out, a peer that left). */
  acceptFailed: number;
  /** Sockets refused by `reject()`. */
  rejected: number;
  /** Sockets closed at once because `maxPendingConnections` were already waiting. */
  refusedFull: number;
}

/** What a `node:net`-based transport tells {@link NetListener} about itself. */
export interface NetListenerOptions {
  /** The transport's name, for errors and logs (`tcp`, `tls`, `ipc`). */
  transport: string;
  /** Where to listen, as `net.Server#listen` takes it: `{ host, port }` or `{ path }`. */
  listen: ListenOptions;
  /** The address as the user wrote it, for error messages. */
  address: string;
  /**
   * Most accepted sockets that may wait for `accept()`/`reject()` at once; beyond it new sockets are
   * closed at once and counted in `refusedFull`. Bounds what a flood of idle connections can hold.
   */
  maxPendingConnections: number;
  /** The listener's own address in the transport's form, read once listening. */
  localAddress(server: Server): string;
  /** The peer's address in the transport's form, read when the socket is accepted. */
  remoteAddress(socket: Socket): string;
  /**
   * Turns an accepted socket into a Connection when the owner calls `accept()`: wraps it at once
   * (TCP, IPC) or runs a handshake first (TLS). The socket comes paused, nothing read yet; it may be
   * moved into a socket that reads into buffers of its own ({@link adoptAccepted}). Rejects with a
   * MsgError; the socket is then destroyed.
   */
  upgrade(socket: Socket, remoteAddress: string): Promise<Connection>;
  /** Called with each accepted socket, as a PendingConnection. */
  onIncoming(pending: PendingConnection): void;
  /** Run-time control messages the transport understands; others reject with `unsupported_control`. */
  control?(message: TransportControl): Promise<void>;
  /** Runs once the server has stopped listening (IPC removes its socket file). */
  afterClose?(): Promise<void>;
}

/** A listener over a `net.Server`; create it with {@link NetListener.listen}. */
export class NetListener implements Listener {
  readonly localAddress: string;
  readonly #server: Server;
  readonly #options: NetListenerOptions;
  readonly #counts = { pending: 0, accepted: 0, acceptFailed: 0, rejected: 0, refusedFull: 0 };
  #closing: Promise<void> | undefined;

  private constructor(server: Server, options: NetListenerOptions) {
    this.#server = server;
    this.#options = options;
    this.localAddress = options.localAddress(server);
    server.on("connection", (socket: Socket) => this.#onConnection(socket));
    // Errors after listening (accept failing with EMFILE, ...) must not crash the process.
    server.on("error", (error) => log.warn("listener error", { address: this.localAddress, error }));
  }

  /**
   * Listens with `options.listen` and offers each accepted socket to `options.onIncoming` as a
   * PendingConnection. Rejects with a MsgError `bind_failed`.
   */
  static listen(options: NetListenerOptions): Promise<NetListener> {
    return new Promise((resolve, reject) => {
      // Paused: nothing is read before the connection is accepted, so `upgrade` may move the socket
      // into one that reads into buffers of its own (adoptAccepted) without losing a byte.
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
      const onError = (error: NodeJS.ErrnoException) => {
        server.close();
        reject(
          new MsgError(
            ErrorCode.BindFailed,
            `${options.transport}: cannot bind ${options.address}: ${error.code ?? error.message}`,
            { cause: error },
          ),
        );
      };
      server.once("error", onError);
      server.listen(options.listen, () => {
        server.off("error", onError);
        resolve(new NetListener(server, options));
      });
    });
  }

  /** Counters of accepted, refused and pending connections since bind. */
  stats(): NetListenerStats {
    return { ...this.#counts };
  }

  control(message: TransportControl): Promise<void> {
    if (this.#options.control) return this.#options.control(message);
    return Promise.reject(unsupportedControl(this.#options.transport, message));
  }

  /**
   * Stops listening at once; resolves when the listening socket is released. Accepted connections stay
   * open (unlike `net.Server#close`'s callback, this does not wait for them to end).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#server.listening) this.#server.close();
      await this.#options.afterClose?.();
    })();
    return this.#closing;
  }

  #onConnection(socket: Socket): void {
    // Until a Connection owns the socket, errors (a reset while pending) are only logged.
    socket.on("error", (error) => log.debug("pending socket error", { error }));
    if (this.#counts.pending >= this.#options.maxPendingConnections) {
      this.#counts.refusedFull++;
      socket.destroy();
      return;
    }
    let remoteAddress: string;
    try {
      remoteAddress = this.#options.remoteAddress(socket);
    } catch (error) {
      // The peer left before its address could be read.
      log.debug("accepted socket without a peer address", { error });
      socket.destroy();
      return;
    }
    this.#options.onIncoming(new NetPendingConnection(socket, remoteAddress, this.#options, this.#counts));
  }
}

class NetPendingConnection implements PendingConnection {
  readonly remoteAddress: string;
  readonly #socket: Socket;
  readonly #options: NetListenerOptions;
  readonly #counts: { -readonly [K in keyof NetListenerStats]: number };
  #settled = false;

  constructor(
    socket: Socket,
    remoteAddress: string,
    options: NetListenerOptions,
    counts: { -readonly [K in keyof NetListenerStats]: number },
  ) {
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
    this.#options = options;
    this.#counts = counts;
    counts.pending++;
  }

  async accept(): Promise<Connection> {
    if (!this.#settle()) {
      throw new MsgError(ErrorCode.InvalidState, `connection from ${this.remoteAddress} was already settled`);
    }
    if (this.#socket.destroyed) {
      this.#counts.acceptFailed++;
      throw new MsgError(ErrorCode.HandshakeFailed, `${this.remoteAddress} closed before it was accepted`);
    }
    try {
      const connection = await this.#options.upgrade(this.#socket, this.remoteAddress);
      this.#counts.accepted++;
      return connection;
    } catch (error) {
      this.#counts.acceptFailed++;
      this.#socket.destroy();
      throw toMsgError(
        error,
        ErrorCode.HandshakeFailed,
        `${this.#options.transport}: accept ${this.remoteAddress}`,
      );
    }
  }

  reject(): void {
    if (!this.#settle()) return;
    this.#counts.rejected++;
    this.#socket.destroy();
  }

  /** Marks the pending connection as handled; false when it already was. */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#counts.pending--;
    return true;
  }
}

/** What {@link connectNet} needs to open one `node:net` connection. */
export interface NetConnectOptions {
  /** The transport's name, for errors (`tcp`, `tls`, `ipc`). */
  transport: string;
  /** The address as the user wrote it, for error messages. */
  address: string;
  /** Where to connect: `{ host, port }` or `{ path }`. */
  target:
    | {
        /** Host name or IP address. */
        host: string;
        /** TCP port. */
        port: number;
      }
    | {
        /** Unix socket path. */
        path: string;
      };
  /** Milliseconds before the attempt fails with `connect_failed`. */
  timeout: number;
  /** Cancels the attempt: the promise rejects with a MsgError `aborted`. */
  signal?: AbortSignal | undefined;
  /**
   * Reads the socket through these slabs (`onread`) instead of its stream; hand the same object to
   * the {@link StreamConnection}. Only for a socket used as it is (not under TLS). Default none.
   */
  slabReads?: SlabReads | undefined;
}

/**
 * Opens a `net.Socket` (half-open allowed, so `end()` is a real half-close). Rejects with a MsgError
 * `connect_failed` (the errno in the message, the system error as `cause`) or `aborted`.
 */
export function connectNet(options: NetConnectOptions): Promise<Socket> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortedError(options, signal));
  return new Promise((resolve, reject) => {
    const socket = connect({
      ...options.target,
      allowHalfOpen: true,
      ...(options.slabReads ? { onread: options.slabReads.onread } : {}),
    });
    const finish = (error?: MsgError) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off("connect", onConnect);
      if (!error) return resolve(socket);
      socket.destroy();
      reject(error);
    };
    const onConnect = () => finish();
    const onError = (error: NodeJS.ErrnoException) =>
      finish(
        new MsgError(
          ErrorCode.ConnectFailed,
          `${options.transport}: connect to ${options.address} failed: ${error.code ?? error.message}`,
          { cause: error },
        ),
      );
    const onAbort = () => finish(abortedError(options, signal));
    const timer = setTimeout(
      () =>
        finish(
          new MsgError(
            ErrorCode.ConnectFailed,
            `${options.transport}: connect to ${options.address} failed: ETIMEDOUT (no answer within ${options.timeout} ms)`,
          ),
        ),
      options.timeout,
    );
    socket.once("connect", onConnect);
    socket.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortedError(options: NetConnectOptions, signal: AbortSignal | undefined): MsgError {
  return new MsgError(ErrorCode.Aborted, `${options.transport}: connect to ${options.address} aborted`, {
    cause: signal?.reason,
  });
}
