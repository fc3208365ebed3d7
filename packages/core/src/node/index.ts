/**
 * @msg/core/node: the helpers shared by the transports built on Node's own modules (`node:net`,
 * `node:tls`, `node:dns`, Node duplex streams). Kept out of the main entry so that `@msg/core` loads in
 * a browser; only the `node` export condition offers this entry.
 */
export { type Adoption, adoptAccepted } from "./adopt-accepted.js";
export {
  connectNet,
  type NetConnectOptions,
  NetListener,
  type NetListenerOptions,
  type NetListenerStats,
} from "./net-listener.js";
export { resolveHost } from "./resolve-host.js";
export { type AcceptedReads, SlabReads } from "./slab-reads.js";
export { StreamConnection, type StreamConnectionInfo } from "./stream-connection.js";
