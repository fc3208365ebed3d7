import type { Connection, Listener, Transport } from "@msg/core";
import { Incoming, type Reader, type Resources, rejectionOf, withTimeout } from "@msg/core/testing";

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

/** The error `promise` rejects with, within `ms`. */
export function refusal(promise: Promise<unknown>, ms = 5000): Promise<unknown> {
  return rejectionOf(withTimeout(promise, ms, "a rejection"));
}

/** The error a connection closed with (undefined for a clean close), once it closed, within `ms`. */
export async function closeErrorOf(reader: Reader, ms = 5000): Promise<Error | undefined> {
  await reader.untilClosed(ms);
  return reader.closeError;
}
