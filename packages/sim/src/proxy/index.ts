export { ApiError } from "./api-error.js";
export { DEFAULT_API_ADDRESS, ToxiproxyApi } from "./api-server.js";
export type { NamedProxy, ProxyJson, ProxyProtocol } from "./named-proxy.js";
export {
  type DirectionConfig,
  type DirectionTotals,
  fixedPolicy,
  type PathConfig,
  type PathPolicy,
  type ProxyOptions,
} from "./path.js";
export { parseRate } from "./rate.js";
export {
  DEFAULT_LISTEN,
  PopulateError,
  type ProxyInput,
  ProxyRegistry,
  parseProxyInput,
} from "./registry.js";
export { TcpProxy, type TcpProxyOptions, type TcpProxyStats } from "./tcp-proxy.js";
export { type Toxic, type ToxicStream, type ToxicType, toxicTypes } from "./toxics.js";
export { UdpProxy, type UdpProxyOptions, type UdpProxyStats } from "./udp-proxy.js";
export { SIM_VERSION } from "./version.js";
