import type { WebSocket, WebSocketServer } from "ws";

/** The two classes of `ws` this package uses. */
export interface WsLibrary {
  WebSocket: typeof WebSocket;
  WebSocketServer: typeof WebSocketServer;
}

let loading: Promise<WsLibrary> | undefined;

/**
 * Loads `ws` on first use, so that importing this package (or the `@msg/msg` umbrella) costs nothing
 * in a program that never opens a WebSocket: `ws` loads the optional native `bufferutil` with it.
 */
export function loadWs(): Promise<WsLibrary> {
  loading ??= import("ws").then((ws) => ({ WebSocket: ws.default, WebSocketServer: ws.WebSocketServer }));
  return loading;
}
