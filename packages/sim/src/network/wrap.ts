import {
  type Connection,
  type ConnectionHandler,
  type ConnectionStats,
  type ConnectOptions,
  ErrorCode,
  type Listener,
  MsgError,
  type PendingConnection,
  type Transport,
} from "@msg/core";
import type { StreamLink } from "../engine/index.js";
import type { Direction } from "./direction.js";
import type { Fabric } from "./fabric.js";
import { connectTimeoutOf } from "./memory-transport.js";

export interface WrapOptions {
  /** How long `connect` waits for a partition to heal before failing. Default 10000 ms. */
  connectTimeoutMs?: number;
}

/**
 * A real transport (TCP, TLS, IPC, QUIC's stream) with a peer's outgoing links applied to the bytes
 * it writes: each connection's writes pass through the StreamLink for (this peer → the peer at the
 * other end) before reaching the real socket. The other end is known by address: a wrapped listener
 * registers its address, a wrapped client its local address, within the network. A connection to or
 * from an address no wrapped peer owns runs unimpaired. Incoming bytes are left alone (the sender's
 * wrapper impairs them), so a round trip between two wrapped peers crosses both directions once.
 */
export class WrappedTransport implements Transport {
  readonly name: string;
  readonly #inner: Transport;
  readonly #fabric: Fabric;
  readonly #peer: string;
  readonly #connectTimeoutMs: number;

  constructor(inner: Transport, fabric: Fabric, peer: string, options: WrapOptions = {}) {
    this.name = inner.name;
    this.#inner = inner;
    this.#fabric = fabric;
    this.#peer = peer;
    this.#connectTimeoutMs = connectTimeoutOf(options);
  }

  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<Listener> {
    const listener = await this.#inner.bind(address, (pending) =>
      onIncoming({
        remoteAddress: pending.remoteAddress,
        accept: async () => this.#wrap(await pending.accept(), false),
        reject: () => pending.reject(),
      }),
    );
    const fabric = this.#fabric;
    fabric.realAddresses.set(listener.localAddress, this.#peer);
    return {
      localAddress: listener.localAddress,
      control: (message) => listener.control(message),
      close: async () => {
        fabric.realAddresses.delete(listener.localAddress);
        await listener.close();
      },
    };
  }

  async connect(address: string, options?: ConnectOptions): Promise<Connection> {
    const connection = await this.#inner.connect(address, options);
    const remote = this.#fabric.realAddresses.get(address);
    if (remote !== undefined && this.#fabric.isPartitioned(this.#peer, remote)) {
      try {
        await this.#awaitHeal(remote, options?.signal);
      } catch (error) {
        connection.destroy();
        throw error;
      }
    }
    return this.#wrap(connection, true);
  }

  /** Waits for a partition to heal, as a SYN would be retransmitted; fails after connectTimeoutMs. */
  #awaitHeal(remote: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cancel();
        signal?.removeEventListener("abort", onAbort);
        reject(
          new MsgError(
            ErrorCode.ConnectFailed,
            `connect to ${remote} timed out after ${this.#connectTimeoutMs} ms (partitioned)`,
          ),
        );
      }, this.#connectTimeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        cancel();
        reject(new MsgError(ErrorCode.Aborted, `connect to ${remote} aborted`, { cause: signal?.reason }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const cancel = this.#fabric.whenReachable(this.#peer, remote, () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  #wrap(connection: Connection, client: boolean): Connection {
    const fabric = this.#fabric;
    if (client) fabric.realAddresses.set(connection.localAddress, this.#peer);
    return new WrappedConnection(
      connection,
      () => {
        const remote = fabric.realAddresses.get(connection.remoteAddress);
        return remote === undefined ? undefined : fabric.direction(this.#peer, remote);
      },
      () => {
        if (client && fabric.realAddresses.get(connection.localAddress) === this.#peer) {
          fabric.realAddresses.delete(connection.localAddress);
        }
      },
    );
  }
}

/**
 * A real connection whose writes pass through a StreamLink first. The link is opened at the first
 * write, when the other end's peer is surely known (msg's clients speak first, so a server's first
 * write follows the client's registration).
 */
class WrappedConnection implements Connection {
  readonly transport: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly #inner: Connection;
  readonly #resolveDirection: () => Direction | undefined;
  readonly #onClosed: () => void;
  #direction: Direction | undefined;
  #link: StreamLink | undefined;
  #linkResolved = false;
  #innerFull = false;
  #needDrain = false;
  #ended = false;
  #handler: ConnectionHandler | undefined;
  #cleanedUp = false;

  constructor(inner: Connection, resolveDirection: () => Direction | undefined, onClosed: () => void) {
    this.#inner = inner;
    this.transport = inner.transport;
    this.localAddress = inner.localAddress;
    this.remoteAddress = inner.remoteAddress;
    this.#resolveDirection = resolveDirection;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#inner.closed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#inner.closed || this.#ended) return false;
    const link = this.#resolveLink();
    if (!link) return this.#inner.write(chunk);
    const room = link.write(chunk) && !this.#innerFull;
    if (!room) this.#needDrain = true;
    return room;
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (!handler) {
      this.#inner.setHandler(undefined);
      return;
    }
    this.#inner.setHandler({
      onData: (chunk) => handler.onData(chunk),
      onEnd: () => handler.onEnd?.(),
      onDrain: () => {
        this.#innerFull = false;
        if (this.#link) this.#maybeDrain();
        else handler.onDrain?.();
      },
      onClose: (error) => {
        this.#cleanup();
        handler.onClose(error);
      },
    });
  }

  unshift(chunk: Uint8Array): void {
    this.#inner.unshift(chunk);
  }

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#link) this.#link.end();
    else this.#inner.end();
  }

  destroy(error?: Error): void {
    this.#cleanup();
    this.#inner.destroy(error);
  }

  stats(): ConnectionStats {
    const stats = this.#inner.stats?.() ?? { bytesRead: 0, bytesWritten: 0 };
    const link = this.#link?.stats;
    return link ? { ...stats, retransmits: (stats.retransmits ?? 0) + link.retransmits } : stats;
  }

  #resolveLink(): StreamLink | undefined {
    if (this.#linkResolved) return this.#link;
    this.#linkResolved = true;
    const direction = this.#resolveDirection();
    if (!direction) return undefined;
    this.#direction = direction;
    this.#link = direction.openStream({
      deliver: (chunk) => {
        if (!this.#inner.write(chunk)) this.#innerFull = true;
      },
      end: () => this.#inner.end(),
      reset: (error) => this.destroy(error),
      drain: () => this.#maybeDrain(),
      // Delivery is a write to the real connection, which never calls back synchronously.
      passThrough: true,
    });
    return this.#link;
  }

  #maybeDrain(): void {
    if (!this.#needDrain || this.#innerFull || !this.#link?.writable) return;
    this.#needDrain = false;
    this.#handler?.onDrain?.();
  }

  #cleanup(): void {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    if (this.#link && this.#direction) this.#direction.release(this.#link);
    this.#onClosed();
  }
}
