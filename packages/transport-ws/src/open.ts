import type { WebSocket } from "ws";
import { NodeMessageSocket } from "./node-socket.js";
import type { ResolvedWsOptions } from "./options.js";
import { WsConnection } from "./ws-connection.js";

/**
 * Wraps a `ws` WebSocket that has just opened (either role) as a Connection. Call it synchronously in
 * the open or upgrade callback, before `ws` can deliver a message.
 */
export function openConnection(
  ws: WebSocket,
  transport: string,
  addresses: { localAddress: string; remoteAddress: string },
  options: ResolvedWsOptions,
): WsConnection {
  const socket = new NodeMessageSocket(ws, {
    highWaterMark: options.highWaterMark,
    transport,
    peer: addresses.remoteAddress,
  });
  return new WsConnection(socket, { transport, ...addresses, maxMessageSize: options.maxPayload });
}
