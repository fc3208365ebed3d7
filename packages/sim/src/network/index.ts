export { DatagramEndpoint, type DatagramHandler } from "./datagram-endpoint.js";
export type { TraceListener, TraceSource } from "./direction.js";
export { INBOX_HIGH_WATER_MARK } from "./memory-connection.js";
export type { MemoryTransportOptions } from "./memory-transport.js";
export { type Link, link, Network, type NetworkOptions, Peer } from "./network.js";
export type { WrapOptions } from "./wrap.js";
