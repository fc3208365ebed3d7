import { chmod, lstat } from "node:fs/promises";
import {
  type Connection,
  type ConnectOptions,
  ErrorCode,
  MsgError,
  type PendingConnection,
  type Transport,
} from "@msg/core";
import { connectNet, NetListener, SlabReads, StreamConnection } from "@msg/core/node";
import { type IpcTransportOptions, validateIpcOptions } from "./options.js";
import { checkSocketPath, clearStaleSocket, removeOwnSocket } from "./socket-file.js";

/** How long bind waits to learn whether an existing socket file has a live server behind it. */
const STALE_PROBE_TIMEOUT = 1000;

/**
 * Unix domain sockets. The address is a filesystem path. Unix peers have no address of their own, so
 * each accepted connection is named `<path>#<n>` (n counts from 1 per listener), which keeps every
 * peer distinct; a client's connection has the path as `remoteAddress` and `""` as `localAddress`.
 * Listeners understand no control messages.
 */
export class IpcTransport implements Transport {
  readonly name = "ipc";
  readonly #mode: number | undefined;
  readonly #connectTimeout: number;
  readonly #maxPending: number;

  constructor(options: IpcTransportOptions = {}) {
    validateIpcOptions(options);
    this.#mode = options.mode;
    this.#connectTimeout = options.connectTimeout ?? 10_000;
    this.#maxPending = options.maxPendingConnections ?? 1024;
  }

  /**
   * Listens on `path`, first removing a stale socket file there. Rejects with `invalid_address` or
   * `bind_failed` (a live server or a non-socket file at the path, permissions, a missing directory).
   * The socket file is removed again when the listener closes.
   */
  async bind(path: string, onIncoming: (pending: PendingConnection) => void): Promise<NetListener> {
    checkSocketPath(path);
    await clearStaleSocket(path, STALE_PROBE_TIMEOUT);
    let inode: number | undefined;
    let peers = 0;
    const listener = await NetListener.listen({
      transport: this.name,
      listen: { path },
      address: path,
      maxPendingConnections: this.#maxPending,
      localAddress: () => path,
      remoteAddress: () => `${path}#${++peers}`,
      upgrade: async (accepted, remoteAddress) => {
        // Read through slabs as connected sockets are, once moved out of the server's socket.
        const { socket, slabReads } = SlabReads.forAccepted(accepted);
        return new StreamConnection(socket, {
          transport: this.name,
          localAddress: path,
          remoteAddress,
          slabReads,
        });
      },
      onIncoming,
      afterClose: () => removeOwnSocket(path, inode),
    });
    try {
      if (this.#mode !== undefined) await chmod(path, this.#mode);
      inode = (await lstat(path)).ino;
    } catch (error) {
      await listener.close();
      const what = this.#mode === undefined ? "inspect" : `set mode 0o${this.#mode.toString(8)} on`;
      throw new MsgError(
        ErrorCode.BindFailed,
        `ipc: cannot ${what} ${path}: ${(error as NodeJS.ErrnoException).code}`,
        { cause: error },
      );
    }
    return listener;
  }

  /** Connects to the socket at `path`. Rejects with `invalid_address`, `connect_failed` or `aborted`. */
  async connect(path: string, options: ConnectOptions = {}): Promise<Connection> {
    checkSocketPath(path);
    // node:net's onread into slabs: less work per read than the socket's stream (see SlabReads).
    const slabReads = new SlabReads();
    const socket = await connectNet({
      transport: this.name,
      address: path,
      target: { path },
      timeout: this.#connectTimeout,
      signal: options.signal,
      slabReads,
    });
    return new StreamConnection(socket, {
      transport: this.name,
      localAddress: "",
      remoteAddress: path,
      slabReads,
    });
  }
}
