/** Resolves or rejects like `promise`, or rejects after `ms` with an error naming `what`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `condition` every `intervalMs` until it returns true, or rejects after `ms`. For state that
 * offers no event (counters); prefer awaiting an event where one exists.
 */
export async function waitFor(
  condition: () => boolean,
  ms: number,
  what: string,
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves with the error `promise` rejects with; fails if it resolves (or there is no promise). */
export async function rejectionOf(promise: Promise<unknown> | undefined): Promise<unknown> {
  if (promise === undefined) throw new Error("expected a rejected promise, got undefined (success)");
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
