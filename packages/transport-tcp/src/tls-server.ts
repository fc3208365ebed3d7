import type { Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import { ErrorCode, MsgError, type TransportControl, unsupportedControl } from "@msg/core";
import { closeOnError, handshakeFailed } from "./tls-errors.js";
import type { Pem, TlsTransportOptions } from "./tls-options.js";

/**
 * The server side of one TLS listener: the certificates new handshakes use, swappable at run time,
 * and the handshake each accepted socket runs when its owner calls `accept()`.
 */
export class TlsServerSide {
  readonly #options: TlsTransportOptions;
  readonly #handshakeTimeout: number;
  #context: SecureContext;

  constructor(options: TlsTransportOptions) {
    this.#options = options;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    if (options.cert === undefined || options.key === undefined) {
      throw new MsgError(ErrorCode.InvalidArgument, "tls: binding needs the `cert` and `key` options");
    }
    this.#context = this.#createContext(options.cert, options.key, options.ca);
  }

  /**
   * Control messages: `{ type: "tls.setCertificates", cert, key, ca? }` makes new handshakes use these
   * certificates (and CA list, when given); connections already established keep theirs. An invalid
   * certificate or key rejects with `invalid_argument` and leaves the current ones in place.
   */
  async control(message: TransportControl): Promise<void> {
    if (message.type !== "tls.setCertificates") throw unsupportedControl("tls", message);
    const { cert, key, ca } = message as TransportControl & { cert?: Pem; key?: Pem; ca?: Pem };
    if (cert === undefined || key === undefined) {
      throw new MsgError(ErrorCode.InvalidArgument, "tls.setCertificates needs `cert` and `key`");
    }
    this.#context = this.#createContext(cert, key, ca ?? this.#options.ca);
  }

  /** Runs the server handshake on an accepted socket. Rejects with a MsgError `handshake_failed`. */
  handshake(socket: Socket, peer: string): Promise<TLSSocket> {
    const requireClientCert = this.#options.requireClientCert ?? false;
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: this.#context,
      // With both set, OpenSSL itself refuses a client that sends no certificate.
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
    });
    closeOnError(secure);
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: MsgError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        secure.off("secure", onSecure);
        secure.off("error", onError);
        secure.off("close", onClose);
        secure.off("end", onClose);
        if (!error) return resolve(secure);
        secure.destroy();
        reject(error);
      };
      const onSecure = () => {
        const refusal = requireClientCert ? clientCertificateError(secure) : undefined;
        // A refusal closes at once, before OpenSSL's TLS 1.3 session tickets leave: a client waiting
        // for them (confirmTimeout) learns of the refusal. An acceptance waits one turn of the event
        // loop so the tickets are sent even if the owner closes the connection straight away.
        if (refusal) finish(handshakeFailed(peer, `client certificate refused: ${refusal}`));
        else setImmediate(finish);
      };
      const onError = (error: Error) => finish(handshakeFailed(peer, error));
      const onClose = () => finish(handshakeFailed(peer, "the client closed the connection"));
      const timer = setTimeout(
        () => finish(handshakeFailed(peer, `no handshake within ${this.#handshakeTimeout} ms`)),
        this.#handshakeTimeout,
      );
      secure.once("secure", onSecure);
      secure.on("error", onError);
      // Sockets are half-open capable: a client that leaves shows as "end", not "close".
      secure.once("end", onClose);
      secure.once("close", onClose);
    });
  }

  #createContext(cert: Pem, key: Pem, ca: Pem | undefined): SecureContext {
    try {
      return createSecureContext({
        cert,
        key,
        ...(ca !== undefined ? { ca } : {}),
        minVersion: this.#options.minVersion ?? "TLSv1.2",
        maxVersion: this.#options.maxVersion ?? "TLSv1.3",
      });
    } catch (error) {
      throw new MsgError(
        ErrorCode.InvalidArgument,
        `tls: unusable certificate or key: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * Why the client's certificate does not verify against the CA list, or undefined when it does.
 *
 * Node computes `TLSSocket#authorized` for server sockets only inside `tls.Server`, whose handshake
 * starts the moment a connection is accepted; accepting first and handshaking in `accept()` needs a
 * standalone TLSSocket, so the check `tls.Server` makes is made here, through the same internal call.
 * Fails closed: if that call is missing on some Node version, every client certificate is refused.
 */
function clientCertificateError(socket: TLSSocket): string | undefined {
  const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== "function") {
    return "this Node.js version offers no way to verify it";
  }
  const error = handle.verifyError() as NodeJS.ErrnoException | null;
  return error ? (error.code ?? error.message) : undefined;
}
