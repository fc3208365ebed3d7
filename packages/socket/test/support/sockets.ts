import { Resources } from "@msg/core/testing";
import { afterEach } from "vitest";

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
