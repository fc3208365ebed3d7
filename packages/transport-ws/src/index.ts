export { parseWsAddress, type WsAddress, type WsScheme } from "./address.js";
export {
  type BrowserWsTransportOptions,
  DEFAULT_BROWSER_HIGH_WATER_MARK,
  DEFAULT_DRAIN_POLL_INTERVAL,
  type PlatformWebSocket,
  type PlatformWebSocketConstructor,
} from "./browser-options.js";
export { BrowserWssTransport, BrowserWsTransport } from "./browser-transport.js";
export type { WsListener, WsListenerStats } from "./listener.js";
export type { MessageSocket, MessageSocketEvents } from "./message-socket.js";
export { DEFAULT_WS_MAX_PAYLOAD, type WsTransportOptions } from "./options.js";
export type { WssTransportOptions } from "./tls-options.js";
export { WssTransport, WsTransport } from "./transport.js";
export {
  WS_END_MESSAGE,
  WsConnection,
  type WsConnectionInfo,
  type WsConnectionStats,
} from "./ws-connection.js";
