import type { SecureContextOptions } from "node:tls";
import { createSecureContext } from "node:tls";
import { ErrorCode, MsgError } from "@msg/core";
import type { WsTransportOptions } from "./options.js";

/** PEM text, as a string or a Buffer; lists hold several certificates or keys. */
type Pem = string | Buffer | Array<string | Buffer>;

/**
 * Options of {@link WssTransport}: those of `@msg/transport-tcp`'s TLS transport that apply. One object
 * serves both roles: a server uses `cert`, `key`, `ca` and `requireClientCert`; a client uses `ca`,
 * `servername`, `rejectUnauthorized` and, for mutual TLS, `cert` and `key`.
 */
export interface WssTransportOptions extends WsTransportOptions {
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
  /** Lowest protocol version accepted. Default "TLSv1.2". */
  minVersion?: "TLSv1.2" | "TLSv1.3" | undefined;
  /** Highest protocol version offered. Default "TLSv1.3". */
  maxVersion?: "TLSv1.2" | "TLSv1.3" | undefined;
}

/** The secure-context part of the options (certificates, CA list, versions), for either role. */
export function contextOptions(options: WssTransportOptions): SecureContextOptions {
  return {
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    minVersion: options.minVersion ?? "TLSv1.2",
    maxVersion: options.maxVersion ?? "TLSv1.3",
  };
}

/** Builds a secure context once to check certificates and keys. Throws `invalid_argument` naming the problem. */
export function checkContext(options: SecureContextOptions, role: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `wss: unusable ${role} certificate, key or CA: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
