export type { TcpEndpoints } from "./endpoints.js";
export type { TcpConnectionStats } from "./kernel-stats.js";
export type { TcpTransportOptions } from "./options.js";
export { TcpTransport } from "./tcp-transport.js";
export { type Pem, type TlsTransportOptions, type TlsVersion, validateTlsOptions } from "./tls-options.js";
export { TlsTransport } from "./tls-transport.js";
