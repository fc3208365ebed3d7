import { transportComplianceSuite } from "@msg/core/compliance";
import { freeUdpPort } from "@msg/core/testing";
import { QuicTransport } from "../src/index.js";

for (const [family, host, bracketed] of [
  ["IPv4", "127.0.0.1", "127.0.0.1"],
  ["IPv6", "::1", "[::1]"],
] as const) {
  transportComplianceSuite(`quic over ${family}`, {
    server: () => new QuicTransport(),
    // UDP has no "connection refused": a dead address fails when the handshake times out.
    client: () => new QuicTransport({ handshakeTimeout: 1_000 }),
    bindAddress: () => `${bracketed}:0`,
    deadAddress: async () => `${bracketed}:${await freeUdpPort(host)}`,
  });
}
