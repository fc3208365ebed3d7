import { createServer } from "node:net";
import type { Connection, Listener, PendingConnection, Transport } from "@msg/core";
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

  add<T>(thing: T, close: (thing: T) => unknown): T {
    this.#closers.push(() => close(thing));
    return thing;
  }

  listener<T extends Listener>(listener: T): T {
    return this.add(listener, (l) => l.close());
  }

  connection<T extends Connection>(connection: T): T {
    return this.add(connection, (c) => c.destroy());
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

  readonly push = (pending: PendingConnection): void => {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(pending);
    else this.#ready.push(pending);
  };

  next(ms = 5000): Promise<PendingConnection> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return withTimeout(new Promise((resolve) => this.#waiters.push(resolve)), ms, "an incoming connection");
  }
}

/** What one connection delivered, with each event awaitable (bounded). */
export class Recorder {
  readonly chunks: Buffer[] = [];
  ended = false;
  closes = 0;
  closeError: Error | undefined;
  readonly closed: Promise<Error | undefined>;
  #onChange: (() => void)[] = [];

  constructor(connection: Connection) {
    let resolveClosed: (error: Error | undefined) => void = () => {};
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    connection.setHandler({
      onData: (chunk) => {
        this.chunks.push(Buffer.from(chunk));
        this.#changed();
      },
      onEnd: () => {
        this.ended = true;
        this.#changed();
      },
      onClose: (error) => {
        this.closes++;
        this.closeError = error;
        resolveClosed(error);
        this.#changed();
      },
    });
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolves once `condition` holds; rejects after `ms`. */
  until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = () => {
          if (!condition()) return;
          this.#onChange = this.#onChange.filter((listener) => listener !== check);
          resolve();
        };
        this.#onChange.push(check);
        check();
      }),
      ms,
      what,
    );
  }

  #changed(): void {
    for (const listener of [...this.#onChange]) listener();
  }
}

/** Binds `server` at `address`, connects `client` to it and accepts: both ends of one connection. */
export async function connectPair(
  resources: Resources,
  server: Transport,
  client: Transport,
  address: string,
): Promise<{ listener: Listener; client: Connection; server: Connection }> {
  const incoming = new Incoming();
  const listener = resources.listener(await server.bind(address, incoming.push));
  const [clientEnd, serverEnd] = await Promise.all([
    withTimeout(client.connect(listener.localAddress), 5000, "connect"),
    incoming.next().then((pending) => withTimeout(pending.accept(), 5000, "accept")),
  ]);
  return { listener, client: resources.connection(clientEnd), server: resources.connection(serverEnd) };
}

/** The rejection of `promise` (it must reject within `ms`). */
export async function rejectionOf(promise: Promise<unknown>, ms = 5000): Promise<unknown> {
  return withTimeout(
    promise.then(
      () => {
        throw new Error("expected a rejection, but it resolved");
      },
      (error: unknown) => error,
    ),
    ms,
    "a rejection",
  );
}
