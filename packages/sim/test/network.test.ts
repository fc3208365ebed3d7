import { type Connection, ErrorCode, isMsgError } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { link, Network } from "../src/index.js";

async function connectedPair(net: Network, from = "a", to = "b") {
  const server = net.peer(to)!;
  let accepted: (connection: Connection) => void = () => {};
  const serverSide = new Promise<Connection>((resolve) => {
    accepted = resolve;
  });
  const listener = await server
    .transport()
    .bind(server.address(0), (pending) => void pending.accept().then(accepted));
  const client = await net.peer(from)!.transport().connect(listener.localAddress);
  return { client, server: await serverSide, listener };
}

function collect(connection: Connection) {
  const chunks: Buffer[] = [];
  let onData = () => {};
  const closed = new Promise<Error | undefined>((resolve) =>
    connection.setHandler({
      onData: (chunk) => {
        chunks.push(Buffer.from(chunk));
        onData();
      },
      onClose: resolve,
    }),
  );
  const text = () => Buffer.concat(chunks).toString();
  /** Resolves once the text received so far equals `expected`. */
  const textIs = (expected: string) =>
    new Promise<void>((resolve) => {
      onData = () => text() === expected && resolve();
      onData();
    });
  return { text, bytes: () => Buffer.concat(chunks), closed, textIs };
}

describe("the in-memory transport's addresses", () => {
  it("binds only its own peer's name, refuses a port in use, parses addresses strictly", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    net.addPeer("b");
    const transport = a.transport();
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => "resolved",
        (e: unknown) => (isMsgError(e) ? e.code : String(e)),
      );
    expect(await codeOf(transport.bind("b:1000", () => {}))).toBe(ErrorCode.InvalidAddress);
    expect(await codeOf(transport.bind("a", () => {}))).toBe(ErrorCode.InvalidAddress);
    expect(await codeOf(transport.bind("a:70000", () => {}))).toBe(ErrorCode.InvalidAddress);
    const listener = await transport.bind("a:1000", () => {});
    expect(await codeOf(transport.bind("a:1000", () => {}))).toBe(ErrorCode.BindFailed);
    expect(await codeOf(transport.connect("nobody:1000"))).toBe(ErrorCode.ConnectFailed);
    await listener.close();
    const again = await transport.bind("a:1000", () => {});
    await again.close();
  });
});

describe("links over the in-memory transport", () => {
  it("stats add up every connection a link carried, including closed ones", async () => {
    const net = new Network({ seed: 1 });
    net.addPeer("a");
    net.addPeer("b");
    for (let i = 0; i < 3; i++) {
      const { client, server, listener } = await connectedPair(net);
      const atServer = collect(server);
      client.write(Buffer.alloc(1000));
      client.end();
      server.end();
      await withTimeout(atServer.closed, 5000, "close");
      await listener.close();
    }
    const stats = net.stats(link("a", "b"));
    expect(stats.bytes).toBe(3000);
    expect(stats.queueBytes).toBe(0);
  });

  it("stream faults set on the network reach open connections: resetPeer closes both ends with connection_lost", async () => {
    const net = new Network({ seed: 1 });
    net.addPeer("a");
    net.addPeer("b");
    const { client, server } = await connectedPair(net);
    const atClient = collect(client);
    const atServer = collect(server);
    net.setFaults(link("a", "b"), { resetPeerMs: 20 });
    const [clientError, serverError] = await withTimeout(
      Promise.all([atClient.closed, atServer.closed]),
      5000,
      "resets",
    );
    expect(isMsgError(clientError, ErrorCode.ConnectionLost)).toBe(true);
    expect(isMsgError(serverError, ErrorCode.ConnectionLost)).toBe(true);
    expect(client.write(Buffer.from("x"))).toBe(false);
  });

  it("limitData and slicer from toxiproxy, through the network", async () => {
    const net = new Network({ seed: 1 });
    net.addPeer("a");
    net.addPeer("b");
    net.setFaults(link("a", "b"), { slicer: { averageSize: 3, delayUs: 100 }, limitDataBytes: 10 });
    const { client, server } = await connectedPair(net);
    const atServer = collect(server);
    client.write(Buffer.from("0123456789abcdef"));
    const error = await withTimeout(atServer.closed, 5000, "limitData reset");
    expect(atServer.text()).toBe("0123456789");
    expect(error?.message).toMatch(/limitData/);
  });

  it("raw stream mode really damages bytes, for testing decoders", async () => {
    const net = new Network({ seed: 4, streamMode: "raw", mss: 100 });
    net.addPeer("a");
    net.addPeer("b");
    net.applyImpairment(link("a", "b"), { loss: 20 });
    const { client, server } = await connectedPair(net);
    const atServer = collect(server);
    client.write(Buffer.alloc(10_000, 1));
    client.end();
    server.end();
    await withTimeout(atServer.closed, 5000, "close");
    const { lost } = net.stats(link("a", "b"));
    expect(lost).toBeGreaterThan(0);
    expect(atServer.bytes().length).toBe(10_000 - lost * 100);
  });

  it("applyImpairment reaches connections already open", async () => {
    const net = new Network({ seed: 1 });
    net.addPeer("a");
    net.addPeer("b");
    const { client, server } = await connectedPair(net);
    const atServer = collect(server);
    net.applyImpairment(link("a", "b"), { latencyMs: 150 });
    const started = performance.now();
    client.write(Buffer.from("late"));
    await withTimeout(atServer.textIs("late"), 5000, "the late chunk");
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    client.destroy();
    await withTimeout(atServer.closed, 5000, "close");
  });

  it("network.close() drops what is in flight: nothing more arrives", async () => {
    const net = new Network({ seed: 1 });
    net.addPeer("a");
    net.addPeer("b");
    net.applyImpairment(link("a", "b"), { latencyMs: 30 });
    const { client, server, listener } = await connectedPair(net);
    const atServer = collect(server);
    client.write(Buffer.from("never"));
    net.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(atServer.text()).toBe("");
    expect(net.stats(link("a", "b")).bytes).toBe(0);
    await listener.close();
  });

  it("refuses a connectTimeoutMs that is not above 0", () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    expect(() => a.transport({ connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    expect(() => a.wrap(a.transport(), { connectTimeoutMs: -1 })).toThrow(/connectTimeoutMs/);
  });
});
