import { createServer } from "node:net";
import { transportComplianceSuite } from "@msg/core/compliance";
import { TcpTransport } from "@msg/transport-tcp";
import { Network } from "../src/index.js";

// The in-memory transport is a transport like any other: it passes the shared suite, on a perfect
// network and on one with latency, jitter and loss (which streams turn into retransmission delays).
{
  const net = new Network({ seed: 1 });
  const client = net.addPeer("client");
  const server = net.addPeer("server");
  let port = 40_000;
  transportComplianceSuite("sim in-memory transport, perfect links", {
    server: () => server.transport(),
    client: () => client.transport(),
    bindAddress: () => server.address(0),
    deadAddress: () => server.address(port++),
  });
}

{
  const net = new Network({ seed: 2 });
  const client = net.addPeer("client");
  const server = net.addPeer("server");
  const impairment = { latencyMs: 2, jitterMs: 1, loss: 1 };
  net.applyImpairment({ from: "client", to: "server" }, impairment);
  net.applyImpairment({ from: "server", to: "client" }, impairment);
  let port = 40_000;
  transportComplianceSuite("sim in-memory transport, 2 ± 1 ms and 1 % loss", {
    server: () => server.transport(),
    client: () => client.transport(),
    bindAddress: () => server.address(0),
    deadAddress: () => server.address(port++),
    // Every lost segment costs a 200 ms retransmission timeout, in order: keep the bulk test modest.
    tuning: { largeWriteBytes: 2 * 1024 * 1024 },
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

{
  const net = new Network({ seed: 3 });
  const client = net.addPeer("client");
  const server = net.addPeer("server");
  const impairment = { latencyMs: 1, jitterMs: 0.5 };
  net.applyImpairment({ from: "client", to: "server" }, impairment);
  net.applyImpairment({ from: "server", to: "client" }, impairment);
  transportComplianceSuite("TCP wrapped by the emulator (1 ± 0.5 ms each way)", {
    server: () => server.wrap(new TcpTransport()),
    client: () => client.wrap(new TcpTransport()),
    bindAddress: () => "127.0.0.1:0",
    deadAddress: async () => `127.0.0.1:${await freePort()}`,
  });
}
