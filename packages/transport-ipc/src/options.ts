import { checkInteger, MAX_TIMER_MS } from "@msg/core";

/** Options of {@link IpcTransport}. */
export interface IpcTransportOptions {
  /**
   * Permission bits given to the socket file after binding, e.g. `0o600` (only this user may connect;
   * connecting needs write permission). Default: unchanged, i.e. what the process umask leaves of
   * 0o777 (0o755 with the usual umask 022, so only the owner can connect).
   */
  mode?: number;
  /** Milliseconds a connect may take before it fails with `connect_failed`. Default 10000. */
  connectTimeout?: number;
  /**
   * Accepted connections that may wait at once for their owner's `accept()`/`reject()`. Beyond it new
   * connections are closed at once and counted in the listener's `stats().refusedFull`. Default 1024.
   */
  maxPendingConnections?: number;
}

/** Throws MsgError `invalid_argument` naming an option out of range. */
export function validateIpcOptions(options: IpcTransportOptions): void {
  checkInteger("mode", options.mode, 0, 0o777);
  checkInteger("connectTimeout", options.connectTimeout, 1, MAX_TIMER_MS);
  checkInteger("maxPendingConnections", options.maxPendingConnections, 1);
}
