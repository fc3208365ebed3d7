export type { AcceptOptions } from "./acceptor.js";
export { AsyncQueue } from "./async-queue.js";
export type { CompressionOptions } from "./compression.js";
export type { ReconnectOptions } from "./dialer.js";
export { type SocketEvents, TypedEmitter } from "./events.js";
export { runHook } from "./hooks/run-hook.js";
export {
  type TokenServerHookOptions,
  tokenClientHook,
  tokenListServerHook,
  tokenServerHook,
} from "./hooks/token.js";
export { DEFAULT_MAX_PARTIAL_FRAME_BYTES, type InboundOptions } from "./inbound.js";
export { WRITE_PROFILES, type WriteBufferOptions, type WriteProfile } from "./options.js";
export {
  type FullQueuePolicy,
  type PubEvents,
  type PubOptions,
  PubSocket,
  type SubscriberInfo,
} from "./pubsub/pub-socket.js";
export { type SubEvents, type SubMessage, type SubOptions, SubSocket } from "./pubsub/sub-socket.js";
export { type RepEvents, type RepOptions, RepSocket, type Request } from "./rep/rep-socket.js";
export { type ReqEvents, type ReqOptions, ReqSocket, type RequestOptions } from "./req/req-socket.js";
export * from "./topic/index.js";
