import {
  type ConnectOptions,
  ErrorCode,
  type Listener,
  MsgError,
  type PendingConnection,
  type Transport,
} from "@msg/core";
import { formatWsUrl, parseWsAddress, type WsScheme } from "./address.js";
import {
  type BrowserWsTransportOptions,
  type PlatformWebSocket,
  type PlatformWebSocketConstructor,
  type ResolvedBrowserWsOptions,
  resolveBrowserWsOptions,
} from "./browser-options.js";
import { BrowserMessageSocket } from "./browser-socket.js";
import { WsConnection } from "./ws-connection.js";

/**
 * What BrowserWsTransport and BrowserWssTransport share: connecting with the platform's `WebSocket`.
 * The connection is the same {@link WsConnection} as in Node, so the bytes on the wire are the same.
 */
class PlatformWebSocketTransport implements Transport {
  readonly name: WsScheme;
  readonly #options: ResolvedBrowserWsOptions;

  protected constructor(scheme: WsScheme, options: BrowserWsTransportOptions) {
    this.name = scheme;
    this.#options = resolveBrowserWsOptions(options);
  }

  /**
   * Always rejects with `transport_unavailable`: a page cannot accept connections (there are no server
   * sockets in a browser). Bind in Node and connect to it from the page.
   */
  async bind(address: string, _onIncoming?: (pending: PendingConnection) => void): Promise<Listener> {
    throw new MsgError(
      ErrorCode.TransportUnavailable,
      `${this.name}: cannot bind ${address}: a browser cannot listen for connections; bind in Node and connect to it`,
    );
  }

  /**
   * Opens `ws://host:port/path?query` (or `host:port`) and resolves once the server accepted the
   * upgrade. Rejects with `invalid_address` (the address does not parse, or the browser refuses the
   * URL, e.g. `ws://` from an `https://` page), `connect_failed` (the WebSocket did not open within
   * `connectTimeout`, or closed before opening: a browser does not tell a page why, so nothing
   * listening, a refused upgrade (403 origin, 404 path, 503 rejected) and a TLS failure look alike; its
   * console shows the reason), `transport_unavailable` (no WebSocket in this runtime) or `aborted`.
   */
  async connect(address: string, options: ConnectOptions = {}): Promise<WsConnection> {
    const target = parseWsAddress(address, this.name, this.#options.path, "connect");
    const url = `${formatWsUrl(target.scheme, target.host, target.port, target.path)}${target.query}`;
    const fail = (code: ErrorCode, why: string, cause?: unknown) =>
      new MsgError(code, `${this.name}: connect to ${address} failed: ${why}`, { cause });
    const { signal } = options;
    const aborted = () =>
      new MsgError(ErrorCode.Aborted, `${this.name}: connect to ${address} aborted`, {
        cause: signal?.reason,
      });
    if (signal?.aborted) throw aborted();
    const ws = openWebSocket(this.#webSocketClass(), url, fail);
    ws.binaryType = "arraybuffer";
    const remoteAddress = formatWsUrl(target.scheme, target.host, target.port, target.path);
    // Wrapped in the open callback itself, so that no message can arrive before the connection listens.
    return whenOpen(ws, this.#options.connectTimeout, signal, fail, aborted, () => {
      const socket = new BrowserMessageSocket(ws, {
        transport: this.name,
        peer: remoteAddress,
        maxPayload: this.#options.maxPayload,
        highWaterMark: this.#options.highWaterMark,
        drainPollInterval: this.#options.drainPollInterval,
        maxHeldBytes: this.#options.maxHeldBytes,
      });
      // A page cannot learn its own address and port: localAddress is "", as for an IPC client.
      return new WsConnection(socket, {
        transport: this.name,
        localAddress: "",
        remoteAddress,
        maxMessageSize: this.#options.maxPayload,
      });
    });
  }

  #webSocketClass(): PlatformWebSocketConstructor {
    const platform = (globalThis as { WebSocket?: PlatformWebSocketConstructor }).WebSocket;
    const found = this.#options.webSocket ?? platform;
    if (!found) {
      throw new MsgError(
        ErrorCode.TransportUnavailable,
        `${this.name}: this runtime has no WebSocket (pass one as the \`webSocket\` option)`,
      );
    }
    return found;
  }
}

function ignore(): void {}

type Fail = (code: ErrorCode, why: string, cause?: unknown) => MsgError;

/** `new WebSocket(url)`, whose throw (a URL the browser refuses) becomes `invalid_address`. */
function openWebSocket(
  WebSocketClass: PlatformWebSocketConstructor,
  url: string,
  fail: Fail,
): PlatformWebSocket {
  try {
    return new WebSocketClass(url);
  } catch (error) {
    throw fail(ErrorCode.InvalidAddress, `the runtime refused the URL: ${(error as Error).message}`, error);
  }
}

/**
 * Resolves with `opened()`, called in the open event, once the socket opened; rejects (and closes
 * the socket) on close, timeout or abort.
 */
function whenOpen(
  ws: PlatformWebSocket,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fail: Fail,
  aborted: () => MsgError,
  opened: () => WsConnection,
): Promise<WsConnection> {
  return new Promise((resolve, reject) => {
    const settle = (error?: MsgError) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ws.onopen = null;
      ws.onclose = null;
      if (!error) {
        resolve(opened());
        return;
      }
      // Closing a WebSocket that is still opening reports an error and a close: both go unheard.
      ws.onerror = ignore;
      ws.close();
      reject(error);
    };
    const onAbort = () => settle(aborted());
    const timer = setTimeout(
      () => settle(fail(ErrorCode.ConnectFailed, `the WebSocket did not open within ${timeoutMs} ms`)),
      timeoutMs,
    );
    ws.onopen = () => settle();
    // An error before opening is always followed by a close: that carries the code.
    ws.onerror = ignore;
    ws.onclose = (event) =>
      settle(
        fail(
          ErrorCode.ConnectFailed,
          `the WebSocket closed before opening (code ${event.code}); a browser does not say why: nothing listening, a refused upgrade (403 origin, 404 path, 503 rejected) or a TLS failure (see the browser's console)`,
        ),
      );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The browser's `WsTransport` (what `@msg/transport-ws` exports under the `browser` condition):
 * connects to `ws://` addresses with the platform's `WebSocket`. Client only; `bind` rejects with
 * `transport_unavailable`.
 */
export class BrowserWsTransport extends PlatformWebSocketTransport {
  constructor(options: BrowserWsTransportOptions = {}) {
    super("ws", options);
  }
}

/**
 * The browser's `WssTransport`: connects to `wss://` addresses; the browser does TLS with its own
 * certificate store, so no TLS option applies. Client only; `bind` rejects with `transport_unavailable`.
 */
export class BrowserWssTransport extends PlatformWebSocketTransport {
  constructor(options: BrowserWsTransportOptions = {}) {
    super("wss", options);
  }
}
