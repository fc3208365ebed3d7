import type { Connection, PendingConnection } from "@msg/core";
import { Incoming, type Resources, withTimeout } from "@msg/core/testing";
import { type QuicListener, QuicTransport, type QuicTransportOptions } from "../src/index.js";

/** Binds a listener whose accepted connections are handed out in order by `next()`. */
export async function bindQueue(
  transport: QuicTransport,
  resources: Resources,
  address = "127.0.0.1:0",
): Promise<{ listener: QuicListener; next(): Promise<Connection>; pending(): Promise<PendingConnection> }> {
  const incoming = new Incoming();
  const listener = resources.listener(await transport.bind(address, incoming.push));
  const pending = () => incoming.next(10_000);
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
