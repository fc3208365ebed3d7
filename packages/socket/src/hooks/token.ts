import {
  type Connection,
  type ConnectionHook,
  ErrorCode,
  MsgError,
  readExactly,
  utf8Encode,
} from "@msg/core";
import {
  AUTH_ACCEPTED,
  AUTH_ACK_SIZE,
  AUTH_HEADER_SIZE,
  AUTH_REJECTED,
  encodeAuthToken,
  parseAuthAck,
  parseAuthHeader,
} from "@msg/wire";

/**
 * The built-in client token hook (docs/protocol.md, "Token handshake"): sends the token, waits for the server's verdict.
 * A refusal fails with MsgError `auth_rejected`.
 */
export function tokenClientHook(token: Uint8Array | string): ConnectionHook {
  const frame = encodeAuthToken(token);
  return {
    name: "token-client",
    async run(connection, { signal }) {
      connection.write(frame);
      const verdict = await readExactly(connection, AUTH_ACK_SIZE, signal);
      if (!parseAuthAck(verdict)) {
        throw new MsgError(ErrorCode.AuthRejected, "the server rejected our authentication token");
      }
      return connection;
    },
  };
}

/** Options of {@link tokenServerHook}. */
export interface TokenServerHookOptions {
  /** Decides whether a token is accepted. */
  validate: (token: Uint8Array, connection: Connection) => boolean | Promise<boolean>;
  /** Longest token accepted, in bytes; a longer declared length closes the connection. Default 4096. */
  maxTokenSize?: number;
}

/**
 * The built-in server token hook (docs/protocol.md, "Token handshake"): reads the client's token frame (waiting for all of it,
 * however it is split), answers `01 01` and hands the connection on, or answers `01 00`, closes, and
 * fails with MsgError `auth_rejected`.
 */
export function tokenServerHook(options: TokenServerHookOptions): ConnectionHook {
  const maxTokenSize = options.maxTokenSize ?? 4096;
  return {
    name: "token-server",
    async run(connection, { signal }) {
      // Exactly the frame's bytes are read: whatever follows stays for the socket.
      const header = await readExactly(connection, AUTH_HEADER_SIZE, signal);
      const token = await readExactly(connection, parseAuthHeader(header, 0, maxTokenSize), signal);
      if (!(await options.validate(token, connection))) {
        connection.write(AUTH_REJECTED);
        connection.end();
        throw new MsgError(ErrorCode.AuthRejected, "client presented an invalid authentication token");
      }
      connection.write(AUTH_ACCEPTED);
      return connection;
    },
  };
}

/** A server hook accepting any of the given tokens. */
export function tokenListServerHook(tokens: Iterable<Uint8Array | string>): ConnectionHook {
  const accepted = new Set([...tokens].map(tokenKey));
  return tokenServerHook({ validate: (token) => accepted.has(tokenKey(token)) });
}

/** A token's bytes as a string (one character per byte), for exact matching in a Set. */
function tokenKey(token: Uint8Array | string): string {
  const bytes = typeof token === "string" ? utf8Encode(token) : token;
  let key = "";
  for (const byte of bytes) key += String.fromCharCode(byte);
  return key;
}
