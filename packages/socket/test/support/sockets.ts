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
  let open: Closable[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    await Promise.allSettled(closing.reverse().map((thing) => thing.close()));
  });
  return (thing) => {
    open.push(thing);
    return thing;
  };
}

/** Resolves with the error a promise rejects with; fails if it resolves (or there is no promise). */
export async function rejectionOf(promise: Promise<unknown> | undefined): Promise<unknown> {
  if (promise === undefined) throw new Error("expected a rejected promise, got undefined (success)");
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** A Rep loop that echoes every request until the socket closes. */
export async function echo(rep: AsyncIterable<{ payload: Uint8Array; respond(p: Uint8Array): void }>) {
  for await (const request of rep) request.respond(request.payload);
}
