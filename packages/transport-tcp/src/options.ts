import { checkBoolean, checkInteger, MAX_TIMER_MS, optionError } from "@msg/core";

/** Options of {@link TcpTransport}; {@link TlsTransport} takes them too. */
export interface TcpTransportOptions {
  /** Disables Nagle's algorithm (TCP_NODELAY) on both sides, as msg-rs does. Default true. */
  noDelay?: boolean;
  /**
   * Enables TCP keep-alive probes after this many milliseconds of silence, on both sides; `false`
   * leaves keep-alive off (the kernel default). Default false.
   */
  keepAlive?: number | false;
  /** Milliseconds a connect may take before it fails with `connect_failed`. Default 10000. */
  connectTimeout?: number;
  /**
   * Accepted connections that may wait at once for their owner's `accept()`/`reject()` (with TLS: for
   * the handshake to start). Beyond it new connections are closed at once and counted in the listener's
   * `stats().refusedFull`. Default 1024.
   */
  maxPendingConnections?: number;
}

export interface ResolvedTcpOptions {
  noDelay: boolean;
  keepAlive: number | false;
  connectTimeout: number;
  maxPendingConnections: number;
}

/** Applies the defaults; throws MsgError `invalid_argument` naming an option out of range. */
export function resolveTcpOptions(options: TcpTransportOptions): ResolvedTcpOptions {
  checkBoolean("noDelay", options.noDelay);
  if (options.keepAlive !== false) checkKeepAlive(options.keepAlive);
  checkInteger("connectTimeout", options.connectTimeout, 1, MAX_TIMER_MS);
  checkInteger("maxPendingConnections", options.maxPendingConnections, 1);
  return {
    noDelay: options.noDelay ?? true,
    keepAlive: options.keepAlive ?? false,
    connectTimeout: options.connectTimeout ?? 10_000,
    maxPendingConnections: options.maxPendingConnections ?? 1024,
  };
}

function checkKeepAlive(value: unknown): void {
  try {
    checkInteger("keepAlive", value, 0, MAX_TIMER_MS);
  } catch {
    throw optionError("keepAlive", `false or an integer from 0 to ${MAX_TIMER_MS}`, value);
  }
}
