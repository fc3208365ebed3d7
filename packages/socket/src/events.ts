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
// biome-ignore lint/suspicious/noExplicitAny: listeners of untyped names, as EventEmitter takes them.
type AnyListener = (...args: any[]) => void;
type EventName = string | symbol;

/** A `once` listener as stored: the wrapper, and the listener the user gave (so `off` finds it). */
interface OnceWrapper extends AnyListener {
  listener: AnyListener;
}

/**
 * The sockets' event emitter, written for every runtime (no `node:events`). Its `on`/`once`/`off` are
 * checked against the socket's event map (`on("connected", e => e.address)`); listeners get one event
 * object. It has the methods of Node's EventEmitter with the same semantics (listeners run
 * synchronously in the order added, with `this` the emitter; a listener added or removed during an
 * emit takes effect from the next emit; `off` removes the most recently added registration; emitting
 * `error` with no listener throws), so `events.once(socket, "connected")` and `events.on` work on Node.
 * It differs in that it never warns about many listeners (`setMaxListeners` is kept for compatibility
 * and has no effect) and does not emit `newListener`/`removeListener`.
 */
export class TypedEmitter<Events extends object> {
  /** Listeners per event name; replaced, never mutated, so an emit in progress keeps its own list. */
  #listeners = new Map<EventName, readonly AnyListener[]>();
  #maxListeners = 10;

  /** Adds `listener` for `event`. */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return this.addListener(event, listener);
  }

  /** Adds `listener` for the next `event` only. */
  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return this.addListener(event, this.#onceWrapper(event, listener as AnyListener));
  }

  /** Removes `listener` (added by `on` or `once`) for `event`. */
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): this {
    return this.removeListener(event, listener);
  }

  /** Same as `on`, for any event name (for code written against Node's EventEmitter). */
  addListener(event: EventName, listener: AnyListener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  /** Same as `on`, but the listener runs before those already added. */
  prependListener(event: EventName, listener: AnyListener): this {
    this.#listeners.set(event, [listener, ...(this.#listeners.get(event) ?? [])]);
    return this;
  }

  /** Same as `once`, but the listener runs before those already added. */
  prependOnceListener(event: EventName, listener: AnyListener): this {
    return this.prependListener(event, this.#onceWrapper(event, listener));
  }

  /** `listener` wrapped to remove itself before its one call; `off(listener)` finds it through `.listener`. */
  #onceWrapper(event: EventName, listener: AnyListener): OnceWrapper {
    const wrapper = ((...args: unknown[]) => {
      this.removeListener(event, wrapper);
      listener.apply(this, args);
    }) as OnceWrapper;
    wrapper.listener = listener;
    return wrapper;
  }

  /** Same as `off`, for any event name. */
  removeListener(event: EventName, listener: AnyListener): this {
    const current = this.#listeners.get(event);
    if (!current) return this;
    for (let i = current.length - 1; i >= 0; i--) {
      const entry = current[i]!;
      if (entry === listener || (entry as Partial<OnceWrapper>).listener === listener) {
        const rest = current.filter((_, index) => index !== i);
        if (rest.length === 0) this.#listeners.delete(event);
        else this.#listeners.set(event, rest);
        break;
      }
    }
    return this;
  }

  /** Removes every listener of `event`, or of every event when none is given. */
  removeAllListeners(event?: EventName): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** Kept for code written against Node's EventEmitter: this emitter never warns, whatever `n`. */
  setMaxListeners(n: number): this {
    this.#maxListeners = n;
    return this;
  }

  /** The value last given to `setMaxListeners` (10 by default, as Node's). */
  getMaxListeners(): number {
    return this.#maxListeners;
  }

  /** The listeners of `event`, as given (a `once` listener unwrapped). */
  listeners(event: EventName): AnyListener[] {
    return (this.#listeners.get(event) ?? []).map(
      (entry) => (entry as Partial<OnceWrapper>).listener ?? entry,
    );
  }

  /** The listeners of `event` as stored (a `once` listener as its wrapper). */
  rawListeners(event: EventName): AnyListener[] {
    return [...(this.#listeners.get(event) ?? [])];
  }

  /** How many listeners `event` has (registrations of `listener` only, when given). */
  listenerCount(event: EventName, listener?: AnyListener): number {
    const current = this.#listeners.get(event);
    if (!current) return 0;
    if (!listener) return current.length;
    return current.filter(
      (entry) => entry === listener || (entry as Partial<OnceWrapper>).listener === listener,
    ).length;
  }

  /** Event names that have listeners. */
  eventNames(): EventName[] {
    return [...this.#listeners.keys()];
  }

  /**
   * Calls every listener of `event` with `args`, synchronously; true when there was one. `error` with
   * no listener throws its argument, as Node's EventEmitter does. Sockets emit their own events; this
   * is public for compatibility with code written against EventEmitter.
   */
  emit(event: EventName, ...args: unknown[]): boolean {
    const current = this.#listeners.get(event);
    if (!current) {
      if (event === "error")
        throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
      return false;
    }
    for (const listener of current) listener.apply(this, args);
    return true;
  }

  /** For subclasses: emits only when someone listens, so unobserved events cost nothing. */
  protected fire<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const current = this.#listeners.get(event);
    if (current) for (const listener of current) listener.call(this, payload);
  }
}
