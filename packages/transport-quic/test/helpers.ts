import type { Connection, Listener, PendingConnection } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { type QuicListener, QuicTransport, type QuicTransportOptions } from "../src/index.js";

/** Everything a test opened, closed in afterEach. */
export class Resources {
  readonly #connections = new Set<Connection>();
  readonly #listeners = new Set<Listener>();

  connection<T extends Connection>(connection: T): T {
    this.#connections.add(connection);
    return connection;
  }

  listener<T extends Listener>(listener: T): T {
    this.#listeners.add(listener);
    return listener;
  }

  async closeAll(): Promise<void> {
    for (const connection of this.#connections) connection.destroy();
    await Promise.all([...this.#listeners].map((listener) => listener.close()));
    this.#connections.clear();
    this.#listeners.clear();
  }
}

/** A connection's incoming side as awaitable events. */
export class Reader {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  ended = false;
  closed = false;
  closeError: Error | undefined;
  #waiters: Array<() => void> = [];

  constructor(readonly connection: Connection) {
    connection.setHandler({
      onData: (chunk) => {
        this.chunks.push(Uint8Array.from(chunk));
        this.length += chunk.byteLength;
        this.#wake();
      },
      onEnd: () => {
        this.ended = true;
        this.#wake();
      },
      onClose: (error) => {
        this.closed = true;
        this.closeError = error;
        this.#wake();
      },
    });
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString("utf8");
  }

  until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => {
        const check = () => {
          if (condition()) resolve();
          else this.#waiters.push(check);
        };
        check();
      }),
      ms,
      what,
    );
  }

  untilLength(length: number, ms?: number): Promise<void> {
    return this.until(() => this.length >= length, `${length} bytes (have ${this.length})`, ms);
  }

  untilClosed(ms?: number): Promise<void> {
    return this.until(() => this.closed, "close", ms);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** Binds a listener whose accepted connections are handed out in order by `next()`. */
export async function bindQueue(
  transport: QuicTransport,
  resources: Resources,
  address = "127.0.0.1:0",
): Promise<{ listener: QuicListener; next(): Promise<Connection>; pending(): Promise<PendingConnection> }> {
  const waiting: PendingConnection[] = [];
  const wakers: Array<() => void> = [];
  const listener = resources.listener(
    await transport.bind(address, (pending) => {
      waiting.push(pending);
      wakers.shift()?.();
    }),
  );
  const pending = () =>
    withTimeout(
      new Promise<PendingConnection>((resolve) => {
        const take = () => {
          const first = waiting.shift();
          if (first) resolve(first);
          else wakers.push(take);
        };
        take();
      }),
      10_000,
      "an incoming QUIC connection",
    );
  return {
    listener,
    pending,
    async next() {
      const accepted = await withTimeout((await pending()).accept(), 10_000, "accept()");
      return resources.connection(accepted);
    },
  };
}

/** Test transports finish handshakes quickly when nothing answers. */
export function testTransport(options: QuicTransportOptions = {}): QuicTransport {
  return new QuicTransport({ handshakeTimeout: 3_000, ...options });
}
