import { checkInteger, MAX_TIMER_MS, optionError } from "@msg/core";
import { checkPath } from "./address.js";
import { DEFAULT_WS_MAX_PAYLOAD } from "./options.js";

/**
 * The part of the platform's `WebSocket` the browser transport uses (the WHATWG API, which browsers,
 * Deno, Node 22+ and the `ws` library all implement).
 */
export interface PlatformWebSocket {
  /** Set to "arraybuffer" before the first message, so binary messages arrive as ArrayBuffers. */
  binaryType: string;
  /** Bytes given to `send` and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Queues one message: binary for a view, text for a string. */
  send(data: Uint8Array | string): void;
  /** Starts the closing handshake (browsers accept only 1000 and 3000-4999 as codes). */
  close(code?: number, reason?: string): void;
  /** Called once the opening handshake is complete. */
  onopen: ((event: unknown) => void) | null;
  /** Called for each message: `data` is a string (text) or an ArrayBuffer (binary). */
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Called when the connection fails; a close event always follows. */
  onerror: ((event: unknown) => void) | null;
  /** Called once, when the connection has closed, with the close code and reason received. */
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

/** A constructor of {@link PlatformWebSocket}s: `globalThis.WebSocket` in a browser. */
export type PlatformWebSocketConstructor = new (url: string) => PlatformWebSocket;

/** Default {@link BrowserWsTransportOptions.highWaterMark}: 1 MiB. */
export const DEFAULT_BROWSER_HIGH_WATER_MARK = 1024 * 1024;
/**
 * Default {@link BrowserWsTransportOptions.drainPollInterval}, in ms: browsers clamp a timer that keeps
 * re-arming itself (as this poll does) to 4 ms anyway.
 */
export const DEFAULT_DRAIN_POLL_INTERVAL = 4;

/**
 * Options of the browser build of `WsTransport` and `WssTransport` (the `browser` export condition).
 * Only the client side exists there, and only what a page controls: the browser chooses the `Origin`,
 * the headers, permessage-deflate and, for `wss://`, the certificates it trusts.
 */
export interface BrowserWsTransportOptions {
  /** The URL path of addresses written `host:port` (a `ws://` URL carries its own). Default "/". */
  path?: string | undefined;
  /**
   * Milliseconds the whole opening may take (TCP, TLS and the HTTP upgrade, which a browser does not
   * tell apart) before `connect()` fails with `connect_failed`. Default 10000.
   */
  connectTimeout?: number | undefined;
  /**
   * Largest WebSocket message in bytes, both ways: a larger `write()` is sent as several messages, and
   * a larger incoming message fails the connection with `frame_too_large` (a browser reads it whole
   * before the page sees it, so this bounds what is kept, not what is read). Default
   * {@link DEFAULT_WS_MAX_PAYLOAD} (16 MiB + 65555), as on the Node side.
   */
  maxPayload?: number | undefined;
  /**
   * Bytes queued in the browser for sending (`bufferedAmount`) above which `write()` returns false.
   * Browsers have no drain event: `bufferedAmount` is then polled every `drainPollInterval` ms and
   * `onDrain` follows once it is back at or below this mark. Default 1 MiB
   * ({@link DEFAULT_BROWSER_HIGH_WATER_MARK}), so that polling does not limit throughput: a poll per
   * 4 ms allows 250 MiB/s.
   */
  highWaterMark?: number | undefined;
  /** Milliseconds between checks of `bufferedAmount` while a write waits for the drain. Default 4. */
  drainPollInterval?: number | undefined;
  /**
   * Bytes that may arrive while the connection is paused. A browser cannot stop reading a WebSocket,
   * so what arrives during a pause is held in memory; above this the connection fails with
   * `high_water_mark_reached` (the socket reconnects as after any lost connection). Default 64 MiB.
   */
  maxHeldBytes?: number | undefined;
  /** The WebSocket constructor. Default `globalThis.WebSocket`. */
  webSocket?: PlatformWebSocketConstructor | undefined;
}

/** {@link BrowserWsTransportOptions} with every default filled in. */
export interface ResolvedBrowserWsOptions {
  path: string;
  connectTimeout: number;
  maxPayload: number;
  highWaterMark: number;
  drainPollInterval: number;
  maxHeldBytes: number;
  webSocket: PlatformWebSocketConstructor | undefined;
}

/** Options of the Node transports that a page cannot honour, with the reason given when one is set. */
const NODE_ONLY_OPTIONS: Readonly<Record<string, string>> = {
  handshakeTimeout: "a browser does not tell the upgrade from the connect: `connectTimeout` bounds both",
  perMessageDeflate: "the browser negotiates it itself (the server decides)",
  allowedOrigins: "it is a server option, and a browser cannot listen",
  maxPendingConnections: "it is a server option, and a browser cannot listen",
  origin: "the browser sends the page's own Origin",
  headers: "a page cannot set headers on a WebSocket upgrade",
  cert: "the browser presents client certificates itself",
  key: "the browser presents client certificates itself",
  ca: "the browser trusts its own certificate store",
  requireClientCert: "it is a server option, and a browser cannot listen",
  servername: "the browser sends the URL's host name",
  rejectUnauthorized: "a browser always verifies certificates",
  minVersion: "the browser chooses TLS versions",
  maxVersion: "the browser chooses TLS versions",
};

/**
 * Fills in defaults and checks every option; options of the Node transports that a page cannot
 * honour are refused by name rather than silently ignored. Throws a MsgError `invalid_argument`.
 */
export function resolveBrowserWsOptions(options: BrowserWsTransportOptions): ResolvedBrowserWsOptions {
  for (const [name, why] of Object.entries(NODE_ONLY_OPTIONS)) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) throw optionError(name, `left unset in a browser (${why})`, value);
  }
  checkInteger("connectTimeout", options.connectTimeout, 1, MAX_TIMER_MS);
  checkInteger("maxPayload", options.maxPayload, 1);
  checkInteger("highWaterMark", options.highWaterMark, 0);
  checkInteger("drainPollInterval", options.drainPollInterval, 1, MAX_TIMER_MS);
  checkInteger("maxHeldBytes", options.maxHeldBytes, 0);
  if (options.webSocket !== undefined && typeof options.webSocket !== "function") {
    throw optionError("webSocket", "a WebSocket constructor", options.webSocket);
  }
  return {
    path: checkPath(options.path ?? "/"),
    connectTimeout: options.connectTimeout ?? 10_000,
    maxPayload: options.maxPayload ?? DEFAULT_WS_MAX_PAYLOAD,
    highWaterMark: options.highWaterMark ?? DEFAULT_BROWSER_HIGH_WATER_MARK,
    drainPollInterval: options.drainPollInterval ?? DEFAULT_DRAIN_POLL_INTERVAL,
    maxHeldBytes: options.maxHeldBytes ?? 64 * 1024 * 1024,
    webSocket: options.webSocket,
  };
}
