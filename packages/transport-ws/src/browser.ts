// The browser entry of @msg/transport-ws (the `browser` export condition): client transports over the
// platform's WebSocket, with no `ws` and no Node module on this path. Node's entry is index.ts.
export { parseWsAddress, type WsAddress, type WsScheme } from "./address.js";
export {
  type BrowserWsTransportOptions,
  DEFAULT_BROWSER_HIGH_WATER_MARK,
  DEFAULT_DRAIN_POLL_INTERVAL,
  type PlatformWebSocket,
  type PlatformWebSocketConstructor,
} from "./browser-options.js";
export {
  BrowserWssTransport,
  BrowserWssTransport as WssTransport,
  BrowserWsTransport,
  BrowserWsTransport as WsTransport,
} from "./browser-transport.js";
export type { MessageSocket, MessageSocketEvents } from "./message-socket.js";
export { DEFAULT_WS_MAX_PAYLOAD } from "./options.js";
export {
  WS_END_MESSAGE,
  WsConnection,
  type WsConnectionInfo,
  type WsConnectionStats,
} from "./ws-connection.js";
