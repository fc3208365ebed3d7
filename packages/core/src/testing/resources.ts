import type { Connection } from "../connection.js";
import type { Listener, PendingConnection } from "../transport.js";
import { withTimeout } from "./wait.js";

/**
 * Everything a test opens, so that `closeAll()` in afterEach closes it whatever the test's outcome:
 * connections are destroyed, listeners and servers closed, in reverse order of opening.
 */
export class Resources {
  #closers: (() => unknown)[] = [];

  listener<T extends Listener>(listener: T): T {
    this.#closers.push(() => listener.close());
    return listener;
  }

  connection<T extends Connection>(connection: T): T {
    this.#closers.push(() => connection.destroy());
    return connection;
  }

  /** A `node:net`/`node:tls` server (or anything closed with a callback). */
  server<T extends { close(callback: () => void): unknown }>(server: T): T {
    this.#closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server;
  }

  add(closer: () => unknown): void {
    this.#closers.push(closer);
  }

  /** Closes everything, last opened first; one failing close does not stop the others (the first error is thrown after). */
  async closeAll(): Promise<void> {
    const closers = this.#closers.reverse();
    this.#closers = [];
    let failure: { error: unknown } | undefined;
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

/**
 * A listener's incoming connections, awaitable one at a time: pass `push` as the transport's
 * `onIncoming`. `rejectAll()` refuses every one never accepted (for afterEach).
 */
export class Incoming {
  readonly #ready: PendingConnection[] = [];
  readonly #waiters: ((pending: PendingConnection) => void)[] = [];
  readonly #all: PendingConnection[] = [];

  readonly push = (pending: PendingConnection): void => {
    this.#all.push(pending);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(pending);
    else this.#ready.push(pending);
  };

  next(ms = 10_000): Promise<PendingConnection> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return withTimeout(new Promise((resolve) => this.#waiters.push(resolve)), ms, "an incoming connection");
  }

  rejectAll(): void {
    for (const pending of this.#all.splice(0)) pending.reject();
    this.#ready.length = 0;
    this.#waiters.length = 0;
  }
}
