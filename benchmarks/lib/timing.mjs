/** Waiting helpers: every wait in the harness is bounded. */

export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` (async) every `intervalMs` until it returns true; throws `what` after `timeoutMs`. */
export async function pollUntil(check, timeoutMs, what, intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await delay(intervalMs);
  }
}
