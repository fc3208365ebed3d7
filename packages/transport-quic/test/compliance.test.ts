import { createSocket } from "node:dgram";
import { transportComplianceSuite } from "@msg/core/compliance";
import { QuicTransport } from "../src/index.js";

/** A UDP port nothing listens on: bound, noted, released. */
async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

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
    // The library moves a few MB/s (see README): 4 MiB each way keeps the test within its bound.
    tuning: { largeWriteBytes: 4 * 1024 * 1024 },
  });
}
