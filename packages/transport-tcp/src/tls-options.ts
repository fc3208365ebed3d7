import { checkBoolean, checkInteger, checkOneOf, MAX_TIMER_MS, optionError } from "@msg/core";
import type { TcpTransportOptions } from "./options.js";

/** PEM text, as a string or a Buffer; lists hold several certificates or keys. */
export type Pem = string | Buffer | Array<string | Buffer>;

/** A TLS protocol version msg allows. */
export type TlsVersion = "TLSv1.2" | "TLSv1.3";

/**
 * Options of {@link TlsTransport}. One object serves both roles: a server uses `cert`, `key`, `ca` and
 * `requireClientCert`; a client uses `ca`, `servername`, `rejectUnauthorized` and, for mutual TLS,
 * `cert` and `key`. The TCP options apply to the socket underneath.
 */
export interface TlsTransportOptions extends TcpTransportOptions {
  /** Certificate chain (PEM). Required to bind; a client presents it when given (mutual TLS). */
  cert?: Pem | undefined;
  /** Private key of `cert` (PEM). Required with `cert`. */
  key?: Pem | undefined;
  /**
   * Trusted CA certificates (PEM): a server verifies client certificates with them, a client the
   * server's. Default: Node's bundled Mozilla root certificates.
   */
  ca?: Pem | undefined;
  /** Server: ask for a client certificate and refuse clients without a valid one (mutual TLS). Default false. */
  requireClientCert?: boolean | undefined;
  /**
   * Client: the name sent in SNI and checked against the server certificate. Default: the host of the
   * address when it is a name; with an IP address no SNI is sent and the IP is checked.
   */
  servername?: string | undefined;
  /** Client: refuse a server whose certificate does not verify. Default true. */
  rejectUnauthorized?: boolean | undefined;
  /** Milliseconds a TLS handshake may take, on either side, before it fails with `handshake_failed`. Default 10000. */
  handshakeTimeout?: number | undefined;
  /**
   * Client, TLS 1.3 only: milliseconds `connect()` waits after the handshake for the server's first
   * message (its session ticket). In TLS 1.3 a server checks the client certificate after the client
   * considers the handshake done, so this wait is what turns a refused certificate into a
   * `handshake_failed` from `connect()`. A server that sends neither ticket nor data within the wait is
   * assumed to have accepted. 0 disables the wait. Default 1000.
   */
  confirmTimeout?: number | undefined;
  /** Lowest protocol version accepted. Default "TLSv1.2". */
  minVersion?: TlsVersion | undefined;
  /** Highest protocol version offered. Default "TLSv1.3". */
  maxVersion?: TlsVersion | undefined;
}

const TLS_VERSIONS: readonly TlsVersion[] = ["TLSv1.2", "TLSv1.3"];

/** Checks the TLS options (the TCP ones are checked by resolveTcpOptions); throws `invalid_argument`. */
export function validateTlsOptions(options: TlsTransportOptions): void {
  checkPem("cert", options.cert);
  checkPem("key", options.key);
  checkPem("ca", options.ca);
  checkBoolean("requireClientCert", options.requireClientCert);
  if (options.servername !== undefined && typeof options.servername !== "string") {
    throw optionError("servername", "a string", options.servername);
  }
  checkBoolean("rejectUnauthorized", options.rejectUnauthorized);
  checkInteger("handshakeTimeout", options.handshakeTimeout, 1, MAX_TIMER_MS);
  checkInteger("confirmTimeout", options.confirmTimeout, 0, MAX_TIMER_MS);
  checkOneOf("minVersion", options.minVersion, TLS_VERSIONS);
  checkOneOf("maxVersion", options.maxVersion, TLS_VERSIONS);
  if (options.minVersion === "TLSv1.3" && options.maxVersion === "TLSv1.2") {
    throw optionError("minVersion", "at most `maxVersion`", options.minVersion);
  }
}

function checkPem(name: string, value: unknown): void {
  if (value === undefined) return;
  const isPem = (item: unknown) => typeof item === "string" || Buffer.isBuffer(item);
  if (!(isPem(value) || (Array.isArray(value) && value.every(isPem)))) {
    throw optionError(name, "PEM text: a string, a Buffer, or an array of them", value);
  }
}
