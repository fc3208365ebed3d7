import {
  allowManyListeners,
  type Connection,
  type ConnectionHook,
  ErrorCode,
  type Listener,
  type Logger,
  type MsgError,
  type PendingConnection,
  type Transport,
  toMsgError,
} from "@msg/core";
import { runHook } from "./hooks/run-hook.js";

/** How a server admits connections. */
export interface AcceptOptions {
  /** Most connections at once (including those still in their handshake or hook). Default Infinity. */
  maxClients?: number;
  /**
   * Longest the connection hook may take, in ms. Default 10000. (The transport's own handshake is
   * bounded by the transport, e.g. TLS and QUIC `handshakeTimeout`.)
   */
  hookTimeout?: number;
}

export interface AcceptorEvents {
  /** A connection is admitted and past its hook; the owner must call `release()` when it ends. */
  connection(connection: Connection): void;
  /** A connection was refused or failed before it was admitted. */
  refused(address: string, error: MsgError): void;
}

/**
 * The server half of connection management: binds the transport, runs each incoming connection's
 * handshake and hook concurrently (a slow one never holds up the others), enforces `maxClients`, and
 * hands ready connections to the owner.
 */
export class Acceptor {
  readonly #transport: Transport;
  readonly #hook: ConnectionHook | undefined;
  readonly #maxClients: number;
  readonly #hookTimeout: number;
  readonly #events: AcceptorEvents;
  readonly #log: Logger;
  readonly #closing = new AbortController();
  #listener: Listener | undefined;
  /** Connections admitted: handshaking, in their hook, or live. */
  #admitted = 0;

  constructor(params: {
    transport: Transport;
    hook: ConnectionHook | undefined;
    options: AcceptOptions;
    events: AcceptorEvents;
    log: Logger;
  }) {
    this.#transport = params.transport;
    this.#hook = params.hook;
    this.#maxClients = params.options.maxClients ?? Number.POSITIVE_INFINITY;
    this.#hookTimeout = params.options.hookTimeout ?? 10_000;
    this.#events = params.events;
    this.#log = params.log;
    // Every connection in its hook listens to this signal until its hook ends (then stops): many at
    // once is normal, not a leak, so Node's 10-listener warning does not apply.
    allowManyListeners(this.#closing.signal);
  }

  get listener(): Listener | undefined {
    return this.#listener;
  }

  async bind(address: string): Promise<Listener> {
    this.#listener = await this.#transport.bind(address, (pending) => this.#admit(pending));
    return this.#listener;
  }

  /** The owner's connection ended: frees its `maxClients` slot. */
  release(): void {
    this.#admitted--;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#listener?.close();
  }

  #admit(pending: PendingConnection): void {
    if (this.#closing.signal.aborted) {
      pending.reject();
      return;
    }
    if (this.#admitted >= this.#maxClients) {
      pending.reject();
      this.#events.refused(
        pending.remoteAddress,
        toMsgError(`maxClients (${this.#maxClients}) reached`, ErrorCode.MaxClients),
      );
      return;
    }
    this.#admitted++;
    void this.#prepare(pending);
  }

  async #prepare(pending: PendingConnection): Promise<void> {
    let connection: Connection;
    try {
      connection = await pending.accept();
      if (this.#hook) {
        connection = await runHook(this.#hook, connection, "server", this.#hookTimeout, this.#closing.signal);
      }
    } catch (error) {
      this.#admitted--;
      const failure = toMsgError(error, ErrorCode.HandshakeFailed);
      this.#log.debug("connection refused", { address: pending.remoteAddress, error: failure.message });
      return this.#events.refused(pending.remoteAddress, failure);
    }
    if (this.#closing.signal.aborted) {
      this.#admitted--;
      return connection.destroy();
    }
    this.#events.connection(connection);
  }
}
