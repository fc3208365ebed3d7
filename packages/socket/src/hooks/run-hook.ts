import { type Connection, type ConnectionHook, ErrorCode, MsgError, unrefTimer } from "@msg/core";

/** How long a refused peer may take to read the refusal before its connection is destroyed. */
const REFUSAL_GRACE_MS = 1000;

/**
 * Runs a connection hook with a deadline. On failure or timeout the connection is destroyed and the
 * error is a MsgError: `auth_rejected` passes through as it is (so users can tell it apart), anything
 * else becomes `hook_failed` naming the hook.
 */
export async function runHook(
  hook: ConnectionHook,
  connection: Connection,
  side: "client" | "server",
  timeoutMs: number,
  parentSignal?: AbortSignal,
): Promise<Connection> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parentSignal?.reason);
  if (parentSignal?.aborted) onParentAbort();
  else parentSignal?.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(
    () =>
      controller.abort(
        new MsgError(ErrorCode.HookFailed, `hook "${hook.name}" timed out after ${timeoutMs} ms`),
      ),
    timeoutMs,
  );
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([hook.run(connection, { side, signal: controller.signal }), aborted]);
  } catch (error) {
    if (side === "server" && error instanceof MsgError && error.code === ErrorCode.AuthRejected) {
      // The hook has written its refusal and ended the connection; destroying now could discard the
      // refusal before it is sent. A peer that never closes its side is cut off shortly after.
      unrefTimer(setTimeout(() => connection.destroy(), REFUSAL_GRACE_MS));
    } else {
      connection.destroy();
    }
    if (
      error instanceof MsgError &&
      (error.code === ErrorCode.AuthRejected || error.code === ErrorCode.HookFailed)
    ) {
      throw error;
    }
    const text = error instanceof Error ? error.message : String(error);
    throw new MsgError(ErrorCode.HookFailed, `hook "${hook.name}" failed: ${text}`, { cause: error });
  } finally {
    clearTimeout(timer);
    parentSignal?.removeEventListener("abort", onParentAbort);
    // Keep the race's loser from surfacing as an unhandled rejection.
    aborted.catch(() => {});
    if (!controller.signal.aborted) controller.abort();
  }
}
