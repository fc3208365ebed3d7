import type { ConnectionOptions } from "node:tls";
import { type ConnectOptions, ErrorCode, MsgError, type PendingConnection, type Transport } from "@msg/core";
import { validateTlsOptions } from "@msg/transport-tcp";
import { parseWsAddress, type WsScheme } from "./address.js";
import { connectWebSocket } from "./client.js";
import { WsListener, type WsListenParams } from "./listener.js";
import { type ResolvedWsOptions, resolveWsOptions, type WsTransportOptions } from "./options.js";
import { checkContext, contextOptions, type WssTransportOptions } from "./tls-options.js";
import type { WsConnection } from "./ws-connection.js";

/** What WsTransport and WssTransport share; they differ only in scheme and TLS. */
class WebSocketTransport implements Transport {
  readonly name: WsScheme;
  readonly #options: ResolvedWsOptions;
  readonly #tls: WssTransportOptions | undefined;

  protected constructor(scheme: WsScheme, options: WsTransportOptions, tls: WssTransportOptions | undefined) {
    this.name = scheme;
    this.#options = resolveWsOptions(options);
    this.#tls = tls;
  }

  /**
   * Listens on `ws://host:port/path` (or `host:port`, serving the `path` option); port 0 binds an
   * ephemeral port, which `localAddress` reports. Rejects with `invalid_address`, `bind_failed`, or
   * (wss without `cert` and `key`, or unusable ones) `invalid_argument`.
   */
  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<WsListener> {
    const target = parseWsAddress(address, this.name, this.#options.path, "bind");
    return WsListener.listen({
      transport: this.name,
      address,
      target,
      options: this.#options,
      tls: this.#serverTls(),
      onIncoming,
    });
  }

  /**
   * Connects to `ws://host:port/path?query` or `host:port`; resolves once the server accepted the
   * upgrade. Rejects with `invalid_address`, `connect_failed` (no TCP connection), `handshake_failed`
   * (TLS, an HTTP refusal such as 403, 404 or 503, or `handshakeTimeout`) or `aborted`.
   */
  async connect(address: string, options: ConnectOptions = {}): Promise<WsConnection> {
    const target = parseWsAddress(address, this.name, this.#options.path, "connect");
    return connectWebSocket({
      transport: this.name,
      address,
      target,
      options: this.#options,
      tls: this.#clientTls(),
      signal: options.signal,
    });
  }

  #serverTls(): WsListenParams["tls"] {
    if (!this.#tls) return undefined;
    if (this.#tls.cert === undefined || this.#tls.key === undefined) {
      throw new MsgError(ErrorCode.InvalidArgument, "wss: binding needs the `cert` and `key` options");
    }
    const context = contextOptions(this.#tls);
    checkContext(context, "server");
    return { context, requireClientCert: this.#tls.requireClientCert ?? false };
  }

  #clientTls(): ConnectionOptions | undefined {
    if (!this.#tls) return undefined;
    return {
      ...contextOptions(this.#tls),
      ...(this.#tls.servername !== undefined ? { servername: this.#tls.servername } : {}),
      rejectUnauthorized: this.#tls.rejectUnauthorized ?? true,
    };
  }
}

/**
 * WebSocket (`ws://`), with the `ws` library in Node. Addresses are `ws://host:port/path` or
 * `host:port` (with the `path` option, default "/"). Listeners understand no control messages.
 */
export class WsTransport extends WebSocketTransport {
  constructor(options: WsTransportOptions = {}) {
    super("ws", options, undefined);
  }
}

/**
 * WebSocket over TLS (`wss://`), mutual TLS optional. Addresses are `wss://host:port/path` or
 * `host:port`. Listeners understand `{ type: "tls.setCertificates", cert, key, ca? }`.
 */
export class WssTransport extends WebSocketTransport {
  constructor(options: WssTransportOptions = {}) {
    validateTlsOptions(options);
    super("wss", options, options);
  }
}
