import type { Socket } from "node:net";
import { isIP } from "node:net";
import { connect, createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { ErrorCode, MsgError } from "@msg/core";
import { closeOnError, handshakeFailed } from "./tls-errors.js";
import type { TlsTransportOptions } from "./tls-options.js";

/** The client side of a TLS transport: one secure context, reused by every connect. */
export class TlsClientSide {
  readonly #options: TlsTransportOptions;
  readonly #handshakeTimeout: number;
  readonly #confirmTimeout: number;
  #context: SecureContext | undefined;

  constructor(options: TlsTransportOptions) {
    this.#options = options;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#confirmTimeout = options.confirmTimeout ?? 1000;
  }

  /**
   * Runs the client handshake over a connected TCP socket, then (TLS 1.3) waits for the server to
   * confirm it. Rejects with a MsgError `handshake_failed` or `aborted`; the socket is then destroyed.
   */
  async handshake(
    socket: Socket,
    host: string,
    peer: string,
    signal: AbortSignal | undefined,
  ): Promise<TLSSocket> {
    const servername = this.#options.servername ?? (isIP(host) ? undefined : host);
    const secure = connect({
      socket,
      host,
      ...(servername !== undefined ? { servername } : {}),
      secureContext: this.#secureContext(),
      rejectUnauthorized: this.#options.rejectUnauthorized ?? true,
    });
    closeOnError(secure);
    try {
      await settle(secure, "secureConnect", peer, this.#handshakeTimeout, signal);
      if (secure.getProtocol() === "TLSv1.3" && this.#confirmTimeout > 0) {
        await awaitServerConfirmation(secure, peer, this.#confirmTimeout, signal);
      }
      return secure;
    } catch (error) {
      secure.destroy();
      throw error;
    }
  }

  #secureContext(): SecureContext {
    if (this.#context) return this.#context;
    const { cert, key, ca } = this.#options;
    try {
      this.#context = createSecureContext({
        ...(cert !== undefined ? { cert } : {}),
        ...(key !== undefined ? { key } : {}),
        ...(ca !== undefined ? { ca } : {}),
        minVersion: this.#options.minVersion ?? "TLSv1.2",
        maxVersion: this.#options.maxVersion ?? "TLSv1.3",
      });
    } catch (error) {
      throw new MsgError(
        ErrorCode.InvalidArgument,
        `tls: unusable client certificate, key or CA: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return this.#context;
  }
}

/** Resolves on `event`; rejects on error, close, timeout or abort. */
function settle(
  secure: TLSSocket,
  event: string,
  peer: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: MsgError) => {
      clearTimeout(timer);
      secure.off(event, onDone);
      secure.off("error", onError);
      secure.off("close", onClose);
      secure.off("end", onClose);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDone = () => finish();
    const onError = (error: Error) => finish(handshakeFailed(peer, error));
    const onClose = () =>
      finish(
        handshakeFailed(
          peer,
          "the server closed the connection during the handshake (it may have refused our certificate)",
        ),
      );
    const onAbort = () => finish(aborted(peer, signal));
    const timer = setTimeout(
      () => finish(handshakeFailed(peer, `no handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    secure.once(event, onDone);
    secure.on("error", onError);
    // Sockets are half-open capable: a server that leaves shows as "end", not "close".
    secure.once("end", onClose);
    secure.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * TLS 1.3 lets the client finish its handshake before the server has checked the client's
 * certificate; a refusal arrives afterwards, as an alert or a bare close. Waits for proof of
 * acceptance (a session ticket or data, both of which a server sends only after its checks), for a
 * refusal, or for `timeoutMs` (then assumes acceptance). Data read meanwhile is put back in order.
 */
function awaitServerConfirmation(
  secure: TLSSocket,
  peer: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const early: Buffer[] = [];
    let settled = false;
    const finish = (error?: MsgError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off("data", onData);
      secure.off("session", onConfirmed);
      secure.off("end", onRefused);
      secure.off("close", onRefused);
      secure.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      secure.pause();
      if (error) return reject(error);
      for (const chunk of early.reverse()) secure.unshift(chunk);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      early.push(chunk);
      finish();
    };
    // The ticket is announced from inside OpenSSL's read: a write made there (by our caller, once we
    // resolve) is never sent (Node 20). Resolve on the next turn of the event loop instead.
    const onConfirmed = () => setImmediate(finish);
    const onRefused = () =>
      finish(
        handshakeFailed(
          peer,
          "the server closed the connection right after the TLS 1.3 handshake without confirming it: it most likely refused our client certificate (or its absence)",
        ),
      );
    const onError = (error: Error) => finish(handshakeFailed(peer, error));
    const onAbort = () => finish(aborted(peer, signal));
    const timer = setTimeout(() => finish(), timeoutMs);
    if (signal?.aborted) return onAbort();
    secure.once("session", onConfirmed);
    secure.once("end", onRefused);
    secure.once("close", onRefused);
    secure.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    // Reading is what surfaces the ticket, an alert or the end of the stream.
    secure.on("data", onData);
  });
}

function aborted(peer: string, signal: AbortSignal | undefined): MsgError {
  return new MsgError(ErrorCode.Aborted, `tls: connect to ${peer} aborted`, { cause: signal?.reason });
}
