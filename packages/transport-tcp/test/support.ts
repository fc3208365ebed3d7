import { createServer, type Server } from "node:net";
import type { Connection, ConnectionHandler, Listener, PendingConnection } from "@msg/core";
import { withTimeout } from "@msg/core/testing";

/** A TCP port on `host` that nothing listens on: bound to port 0, then released. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Everything a test opens, closed by `cleanup()` in afterEach whatever the outcome. */
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

  server(server: Server): Server {
    this.#closers.push(() => new Promise((resolve) => server.close(resolve)));
    return server;
  }

  add(closer: () => unknown): void {
    this.#closers.push(closer);
  }

  async cleanup(): Promise<void> {
    const closers = this.#closers.reverse();
    this.#closers = [];
    for (const close of closers) await close();
  }
}

/** Incoming connections of a listener, awaitable one at a time. */
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

  next(ms = 5000): Promise<PendingConnection> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return withTimeout(new Promise((resolve) => this.#waiters.push(resolve)), ms, "an incoming connection");
  }

  /** Refuses every connection never accepted (for afterEach). */
  rejectAll(): void {
    for (const pending of this.#all) pending.reject();
  }
}

/** Collects a connection's data and close, with bounded waits. */
export class Reader {
  text = "";
  closed = false;
  closeError: Error | undefined;
  #listeners = new Set<() => void>();

  constructor(connection: Connection) {
    const handler: ConnectionHandler = {
      onData: (chunk) => {
        this.text += Buffer.from(chunk).toString();
        this.#notify();
      },
      onClose: (error) => {
        this.closed = true;
        this.closeError = error;
        this.#notify();
      },
    };
    connection.setHandler(handler);
  }

  waitText(text: string, ms = 5000): Promise<void> {
    return this.#until(() => this.text.includes(text), ms, `"${text}" (have "${this.text}")`);
  }

  waitClose(ms = 5000): Promise<void> {
    return this.#until(() => this.closed, ms, "close");
  }

  #until(condition: () => boolean, ms: number, what: string): Promise<void> {
    const wait = new Promise<void>((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
      check();
    });
    return withTimeout(wait, ms, what);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** The promise's rejection reason, or a failure if it resolved (resolved values are passed to `onResolved`). */
export async function rejectionOf<T>(promise: Promise<T>, onResolved?: (value: T) => void): Promise<unknown> {
  try {
    const value = await promise;
    onResolved?.(value);
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}
