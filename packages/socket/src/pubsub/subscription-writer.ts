import type { Connection } from "@msg/core";

/** One change waiting for the connection to drain, and the callers waiting for it to go out. */
interface Waiting {
  frame: Uint8Array;
  sent: (() => void)[];
}

/**
 * Sends a Sub's subscribe/unsubscribe frames on one publisher connection, respecting its
 * backpressure. A frame goes to the transport at once while the transport takes data; once a write
 * returns false, further changes wait for `onDrain`. What waits is bounded by the number of patterns:
 * per pattern only the latest change is kept (subscribe then unsubscribe sends just the unsubscribe,
 * the publisher having never seen the subscribe), and the callers of the replaced change are told
 * when the replacing one goes out.
 */
export class SubscriptionWriter {
  readonly #connection: Connection;
  readonly #waiting = new Map<string, Waiting>();
  #blocked: boolean;

  /** `initial`: the frames of every current subscription, written first on a new connection. */
  constructor(connection: Connection, initial: Uint8Array | undefined) {
    this.#connection = connection;
    this.#blocked = initial !== undefined && !connection.write(initial);
  }

  /** Changes waiting for the transport to drain. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Resolves once the change to `pattern` has been handed to the transport, or the connection closed. */
  send(pattern: string, frame: Uint8Array): Promise<void> {
    if (!this.#blocked && this.#waiting.size === 0) {
      this.#blocked = !this.#connection.write(frame);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const replaced = this.#waiting.get(pattern);
      this.#waiting.delete(pattern); // re-inserted last: changes go out in the order they were last made
      this.#waiting.set(pattern, { frame, sent: [...(replaced?.sent ?? []), resolve] });
    });
  }

  /** The transport drained: send what waits, until it pushes back again. */
  drained(): void {
    this.#blocked = false;
    for (const [pattern, change] of this.#waiting) {
      if (this.#blocked) break;
      this.#waiting.delete(pattern);
      this.#blocked = !this.#connection.write(change.frame);
      for (const resolve of change.sent) resolve();
    }
  }

  /**
   * The connection closed: the waiting changes are moot (the next connection starts from the Sub's
   * full pattern set), so their callers are released.
   */
  closed(): void {
    for (const change of this.#waiting.values()) for (const resolve of change.sent) resolve();
    this.#waiting.clear();
  }
}
