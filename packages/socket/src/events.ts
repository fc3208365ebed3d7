import { EventEmitter } from "node:events";

/** Lifecycle events every socket can emit. Each socket adds its own on top. */
export interface SocketEvents {
  /** A bound socket is accepting connections at `address` (the actual address, with the real port). */
  listening: {
    /** The address bound, with the real port. */
    address: string;
  };
  /** A connection is up and past its hooks. `address` is the peer's. */
  connected: {
    /** The peer's address (for a client, the address it dials). */
    address: string;
  };
  /** A connection ended; `error` is set when it broke rather than closed cleanly. */
  disconnected: {
    /** The peer's address (for a client, the address it dials). */
    address: string;
    /** Why it broke; absent after a clean close. */
    error?: Error;
  };
  /** The client will try `address` again in `delayMs` (attempt counts from 1 since the last healthy connection). */
  reconnectScheduled: {
    /** The address being dialled. */
    address: string;
    /** Milliseconds until the attempt. */
    delayMs: number;
    /** Attempts since the last healthy connection, from 1. */
    attempt: number;
    /**
     * Why: the failed attempt (`connect_failed` with the system error as its `cause`,
     * `handshake_failed`, `hook_failed`, ...) or the broken connection's error; absent after a clean
     * disconnect.
     */
    error?: Error;
  };
  /** The client stopped retrying `address` (retry budget spent, or auth rejected). */
  gaveUp: {
    /** The address given up on. */
    address: string;
    /** The last failure. */
    error: Error;
  };
  /** A connection hook failed; the connection was dropped. */
  hookFailed: {
    /** The peer's address (for a client, the address it dials). */
    address: string;
    /** What the hook threw. */
    error: Error;
  };
  /** Our token was refused by the peer (client), or a peer's token was refused (server). */
  authRejected: {
    /** The peer's address (for a client, the address it dials). */
    address: string;
  };
  /** A peer sent something invalid (malformed frame, oversized length, ...); that connection was closed. */
  peerError: {
    /** The peer's address (for a client, the address it dials). */
    address: string;
    /** What was wrong, as a MsgError. */
    error: Error;
  };
  /** A message was dropped (queue full, undecodable, ...). */
  messageDropped: {
    /** Why: `subscriber_queue_full`, `ingress_queue_full`, `peer_gone`, `unknown_request_id`, or an error code. */
    reason: string;
    /** The peer concerned, when there is one. */
    address?: string;
    /** The error behind it, when there is one. */
    error?: Error;
  };
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
