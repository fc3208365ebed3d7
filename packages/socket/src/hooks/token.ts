import { type Connection, type ConnectionHook, ErrorCode, MsgError, readExactly } from "@msg/core";
import { AUTH_ACCEPTED, AUTH_REJECTED, AuthDecoder, encodeAuthToken, parseAuthAck } from "@msg/wire";

/** Size of the token frame header: wire id (1) + token length (4). */
const AUTH_HEADER_SIZE = 5;

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
      const verdict = await readExactly(connection, 2, signal);
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
      let token: Uint8Array | undefined;
      const decoder = new AuthDecoder({
        maxFrameSize: maxTokenSize,
        onFrame: (frame) => {
          token = frame.token;
        },
      });
      const header = await readExactly(connection, AUTH_HEADER_SIZE, signal);
      decoder.push(header); // validates the wire id and the declared length
      const length = Buffer.from(header.buffer, header.byteOffset, header.byteLength).readUInt32BE(1);
      decoder.push(await readExactly(connection, length, signal));
      if (token === undefined)
        throw new MsgError(ErrorCode.MalformedFrame, "incomplete authentication frame");
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
  const accepted = new Set([...tokens].map((t) => Buffer.from(t).toString("hex")));
  return tokenServerHook({ validate: (token) => accepted.has(Buffer.from(token).toString("hex")) });
}
