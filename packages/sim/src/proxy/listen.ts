import { once } from "node:events";
import type { Server } from "node:net";
import { ErrorCode, formatHostPort, MsgError, parseHostPort } from "@msg/core";

/**
 * Starts `server` (a net or http server) listening on `address` (`host:port`, port 0 allowed) and
 * resolves with the bound `host:port`. Rejects with MsgError `bind_failed` naming the address.
 */
export async function listenOn(server: Server, address: string): Promise<string> {
  const { host, port } = parseHostPort(address);
  try {
    server.listen({ host, port });
    await once(server, "listening");
  } catch (error) {
    throw new MsgError(
      ErrorCode.BindFailed,
      `cannot listen on ${address}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      { cause: error },
    );
  }
  const bound = server.address() as { address: string; port: number };
  return formatHostPort(bound.address, bound.port);
}
