import { checkBoolean, checkInteger, MAX_TIMER_MS, optionError } from "@msg/core";
import { checkPath } from "./address.js";

/**
 * Default `maxPayload`: the wire protocol's default `maxFrameSize` (16 MiB) plus the largest frame
 * header (a Pub/Sub header with a 65535-byte topic), so a peer that sends one whole frame per message
 * is never refused at the default sizes.
 */
export const DEFAULT_WS_MAX_PAYLOAD = 16 * 1024 * 1024 + 20 + 65_535;

/** Options of {@link WsTransport}; {@link WssTransport} takes them too. */
export interface WsTransportOptions {
  /** The URL path of addresses written `host:port` (a `ws://` URL carries its own). Default "/". */
  path?: string | undefined;
  /** Milliseconds a TCP connect may take before it fails with `connect_failed`. Default 10000. */
  connectTimeout?: number | undefined;
  /**
   * Milliseconds the opening handshake may take once TCP is connected (TLS, then the HTTP upgrade),
   * on either side: a client's `connect()` fails with `handshake_failed`, a server drops a client that
   * has not sent its complete upgrade request by then. Default 10000.
   */
  handshakeTimeout?: number | undefined;
  /**
   * Largest WebSocket message in bytes, both ways: a larger incoming message fails the connection
   * (close code 1009, `frame_too_large`), and a larger `write()` is sent as several messages. Both ends
   * should agree; a wire frame may span messages, so this bounds memory per message, not frame sizes.
   * Default {@link DEFAULT_WS_MAX_PAYLOAD} (16 MiB + 65555).
   */
  maxPayload?: number | undefined;
  /** Bytes queued for sending above which `write()` returns false (and `onDrain` follows). Default 65536. */
  highWaterMark?: number | undefined;
  /**
   * Negotiates permessage-deflate (RFC 7692). Default false: msg compresses per message itself, where
   * it pays (see the socket's `compression`), and deflate would spend CPU on every frame.
   */
  perMessageDeflate?: boolean | undefined;
  /**
   * Server: the `Origin`s accepted, as a browser sends them (`https://app.example`, `http://localhost:8080`),
   * compared case-insensitively; an upgrade request from another origin is refused with HTTP 403. A
   * request without `Origin` (any non-browser client) is accepted. Default: every origin.
   */
  allowedOrigins?: readonly string[] | undefined;
  /**
   * Server: upgrade requests that may wait at once for their owner's `accept()`/`reject()`; beyond it
   * new ones are refused with HTTP 503 and counted in the listener's `stats().refusedFull`. Default 1024.
   */
  maxPendingConnections?: number | undefined;
  /** Client: the `Origin` header sent with the upgrade request. Default: none (as any non-browser client). */
  origin?: string | undefined;
  /** Client: extra HTTP headers sent with the upgrade request (e.g. for a proxy in front of the server). */
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface ResolvedWsOptions {
  path: string;
  connectTimeout: number;
  handshakeTimeout: number;
  maxPayload: number;
  highWaterMark: number;
  perMessageDeflate: boolean;
  /** Lower-cased; undefined accepts every origin. */
  allowedOrigins: ReadonlySet<string> | undefined;
  maxPendingConnections: number;
  origin: string | undefined;
  headers: Readonly<Record<string, string>>;
}

/** Fills in defaults and checks every option. Throws a MsgError `invalid_argument` naming the option. */
export function resolveWsOptions(options: WsTransportOptions): ResolvedWsOptions {
  checkInteger("connectTimeout", options.connectTimeout, 1, MAX_TIMER_MS);
  checkInteger("handshakeTimeout", options.handshakeTimeout, 1, MAX_TIMER_MS);
  checkInteger("maxPayload", options.maxPayload, 1);
  checkInteger("highWaterMark", options.highWaterMark, 0);
  checkBoolean("perMessageDeflate", options.perMessageDeflate);
  checkInteger("maxPendingConnections", options.maxPendingConnections, 1);
  checkStrings("allowedOrigins", options.allowedOrigins);
  if (options.origin !== undefined && typeof options.origin !== "string") {
    throw optionError("origin", "a string", options.origin);
  }
  const headers = options.headers ?? {};
  if (
    typeof headers !== "object" ||
    headers === null ||
    Object.values(headers).some((v) => typeof v !== "string")
  ) {
    throw optionError("headers", "an object of string values", options.headers);
  }
  return {
    path: checkPath(options.path ?? "/"),
    connectTimeout: options.connectTimeout ?? 10_000,
    handshakeTimeout: options.handshakeTimeout ?? 10_000,
    maxPayload: options.maxPayload ?? DEFAULT_WS_MAX_PAYLOAD,
    highWaterMark: options.highWaterMark ?? 64 * 1024,
    perMessageDeflate: options.perMessageDeflate ?? false,
    allowedOrigins: options.allowedOrigins
      ? new Set(options.allowedOrigins.map((origin) => origin.toLowerCase()))
      : undefined,
    maxPendingConnections: options.maxPendingConnections ?? 1024,
    origin: options.origin,
    headers,
  };
}

function checkStrings(name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw optionError(name, "an array of strings", value);
  }
}
