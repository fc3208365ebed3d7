import { isMsgError } from "@msg/core";
import type { ReqSocket, SubSocket } from "@msg/socket";
import type { Output } from "./output.js";

/**
 * Makes a client's failed connection attempts visible. JSON mode: every one is a
 * `reconnect_scheduled` event (address, attempt, delayMs, and the error's code and message). Text
 * mode: the first one per address on stderr, every one with --verbose.
 */
export function reportReconnects(socket: ReqSocket | SubSocket, out: Output, verbose: boolean): void {
  const reported = new Set<string>();
  socket.on("reconnectScheduled", ({ address, attempt, delayMs, error }) => {
    const why = error ? { code: isMsgError(error) ? error.code : "error", message: error.message } : {};
    out.event("reconnect_scheduled", { address, attempt, delayMs, ...why });
    if (reported.has(address) && !verbose) return;
    reported.add(address);
    const next = `attempt ${attempt}, retrying in ${delayMs} ms${verbose ? "" : "; --verbose shows every attempt"}`;
    out.note(error ?? new Error(`${address} closed the connection`), next);
  });
}
