import { Resources, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { afterEach } from "vitest";
import { type PubSocket, SubSocket } from "../../src/index.js";

/** Anything with an awaitable close(): sockets, raw servers. */
interface Closable {
  close(): unknown;
}

/**
 * Tracks what a test opens and closes all of it after the test, even when the test fails,
 * so no socket outlives its test.
 */
export function useCleanup(): <T extends Closable>(thing: T) => T {
  const resources = new Resources();
  afterEach(() => resources.closeAll());
  return (thing) => {
    resources.add(() => thing.close());
    return thing;
  };
}

/** A Rep loop that echoes every request until the socket closes. */
export async function echo(rep: AsyncIterable<{ payload: Uint8Array; respond(p: Uint8Array): void }>) {
  for await (const request of rep) request.respond(request.payload);
}

/**
 * Binds `pub` on 127.0.0.1 and connects a TCP Sub subscribed to `pattern` to it (both tracked by
 * `track`); resolves once the Pub has applied the subscription.
 */
export async function subscribedSub(
  track: ReturnType<typeof useCleanup>,
  pub: PubSocket,
  pattern: string,
): Promise<SubSocket> {
  const address = await pub.bind("127.0.0.1:0");
  const sub = track(new SubSocket(new TcpTransport()));
  const subscribed = new Promise((resolve) => pub.once("subscribed", resolve));
  await sub.subscribe(pattern);
  void sub.connect(address);
  await withTimeout(subscribed, 5000, "subscription");
  return sub;
}
