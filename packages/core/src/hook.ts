import type { Connection } from "./connection.js";

/**
 * A connection hook runs on every new connection after the transport handshake and before the socket
 * protocol: authentication, a challenge/response, a custom preamble. It may read and write raw bytes,
 * must give back any bytes it read beyond its own exchange (`connection.unshift`), and returns the
 * connection to use from then on (the same one, or a wrapper).
 *
 * Failing (throwing or rejecting) drops that connection: on a server only that one, concurrently with
 * others; on a client the failure is reported and the connection is retried with backoff, unless the
 * error is a MsgError `auth_rejected`, which is reported as such.
 */
export interface ConnectionHook {
  /** Shown in logs and errors. */
  readonly name: string;
  /** Runs the exchange on a new connection; resolves with the connection to use, or throws to refuse it. */
  run(connection: Connection, context: HookContext): Promise<Connection>;
}

/** What a hook is told about the connection it runs on. */
export interface HookContext {
  /** `server` for accepted connections, `client` for outgoing ones. */
  readonly side: "client" | "server";
  /** Aborted when the hook overruns the socket's hook timeout or the socket closes. */
  readonly signal: AbortSignal;
}
