import { EventEmitter } from "node:events";

/** Lifecycle events every socket can emit. Each socket adds its own on top. */
export interface SocketEvents {
  /** A bound socket is accepting connections at `address` (the actual address, with the real port). */
  listening: { address: string };
  /** A connection is up and past its hooks. `address` is the peer's. */
  connected: { address: string };
  /** A connection ended; `error` is set when it broke rather than closed cleanly. */
  disconnected: { address: string; error?: Error };
  /**
   * The client will try `address` again in `delayMs` (attempt counts from 1 since the last healthy
   * connection). `error` says why: the failed attempt (`connect_failed` with the system error as its
   * `cause`, `handshake_failed`, `hook_failed`, ...) or the broken connection's error; absent after a
   * clean disconnect.
   */
  reconnectScheduled: { address: string; delayMs: number; attempt: number; error?: Error };
  /** The client stopped retrying `address` (retry budget spent, or auth rejected). */
  gaveUp: { address: string; error: Error };
  /** A connection hook failed; the connection was dropped. */
  hookFailed: { address: string; error: Error };
  /** Our token was refused by the peer (client), or a peer's token was refused (server). */
  authRejected: { address: string };
  /** A peer sent something invalid (malformed frame, oversized length, ...); that connection was closed. */
  peerError: { address: string; error: Error };
  /** A message was dropped (queue full, undecodable, ...). */
  messageDropped: { reason: string; address?: string; error?: Error };
  /** The socket closed and released everything. */
  closed: Record<string, never>;
}

type Listener<T> = (event: T) => void;

/**
 * A Node EventEmitter whose `on`/`once`/`off` are checked against the socket's event map
 * (`on("connected", e => e.address)`), and which works with `events.once(socket, "connected")`.
 * Listeners get one event object.
 */
export class TypedEmitter<Events extends object> extends EventEmitter {
  override on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return super.on(event, listener);
  }

  override once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return super.once(event, listener);
  }

  override off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return super.off(event, listener);
  }

  /** For subclasses: emits only when someone listens, so unobserved events cost nothing. */
  protected fire<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    if (this.listenerCount(event) > 0) super.emit(event, payload);
  }
}
