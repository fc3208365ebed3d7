import { createHash } from "node:crypto";
import { waitFor } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { fixedPolicy, type Impairment, UdpProxy } from "../src/index.js";
import { splitAddress, udpSocket } from "./proxy-helpers.js";

/** A datagram carrying its sequence number and a hash of it, so any flipped bit is detectable. */
function datagram(seq: number): Buffer {
  const packet = Buffer.alloc(36);
  packet.writeUInt32BE(seq, 0);
  createHash("sha256").update(packet.subarray(0, 4)).digest().copy(packet, 4);
  return packet;
}
const intact = (packet: Buffer) => datagram(packet.readUInt32BE(0)).equals(packet);

describe("UdpProxy", () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function setupProxy(up: Impairment = {}, options: { idleTimeoutMs?: number } = {}) {
    const server = await udpSocket();
    const client = await udpSocket();
    const proxy = new UdpProxy({
      listen: "127.0.0.1:0",
      upstream: server.address,
      seed: 3,
      policy: fixedPolicy({ up: { impairment: up }, down: {} }),
      ...options,
    });
    const [host, port] = splitAddress(await proxy.start());
    cleanup.push(
      () => proxy.stop(),
      () => server.socket.close(),
      () => client.socket.close(),
    );
    const received: Buffer[] = [];
    server.socket.on("message", (packet) => received.push(packet));
    return { proxy, server: server.socket, client: client.socket, host, port, received };
  }

  /**
   * Sends datagrams 0..count-1 in bursts of 100, each once the previous one has settled (every datagram
   * delivered, lost or dropped by the link, and every delivered copy received), so no socket buffer
   * overflows and every count is exact.
   */
  async function sendAll(setup: Awaited<ReturnType<typeof setupProxy>>, count: number) {
    const { proxy, client, host, port, received } = setup;
    const settled = (sent: number) => {
      const { up } = proxy.stats();
      return up.packets - up.duplicated + up.lost + up.queueDrops >= sent && received.length >= up.packets;
    };
    for (let seq = 0; seq < count; ) {
      const end = Math.min(count, seq + 100);
      for (; seq < end; seq++) client.send(datagram(seq), port, host);
      await waitFor(() => settled(end), 10_000, `datagrams up to ${end} to settle`);
    }
  }

  it("gives each client its own upstream socket and routes replies back", async () => {
    const { proxy, server, host, port } = await setupProxy();
    server.on("message", (packet, from) =>
      server.send(Buffer.concat([packet, Buffer.from(`@${from.port}`)]), from.port, from.address),
    );
    const replies: string[][] = [[], []];
    const clients = await Promise.all([udpSocket(), udpSocket()]);
    clients.forEach(({ socket }, i) => {
      cleanup.push(() => socket.close());
      socket.on("message", (packet) => replies[i]!.push(packet.toString()));
      socket.send(`client${i}`, port, host);
    });
    await waitFor(() => replies[0]!.length === 1 && replies[1]!.length === 1, 5000, "both replies");
    const [a, b] = [replies[0]![0]!, replies[1]![0]!];
    expect(a).toMatch(/^client0@\d+$/);
    expect(b).toMatch(/^client1@\d+$/);
    expect(a.split("@")[1]).not.toBe(b.split("@")[1]);
    expect(proxy.stats()).toMatchObject({ mappingsCreated: 2, mappings: 2 });
  });

  it("loses the configured share of datagrams (wide margins here; docs/benchmarks.md has 100k)", async () => {
    const setup = await setupProxy({ loss: 10 });
    const count = 10_000;
    await sendAll(setup, count);
    const { up } = setup.proxy.stats();
    expect(setup.received.length).toBe(count - up.lost);
    expect(Math.abs(up.lost / count - 0.1)).toBeLessThan(0.015);
    expect(setup.received.every(intact)).toBe(true);
  });

  it("duplicates every datagram at 100%", async () => {
    const setup = await setupProxy({ duplicate: 100 });
    const count = 2000;
    await sendAll(setup, count);
    const copies = new Map<number, number>();
    for (const packet of setup.received) {
      const seq = packet.readUInt32BE(0);
      copies.set(seq, (copies.get(seq) ?? 0) + 1);
    }
    expect(copies.size).toBe(count);
    expect([...copies.values()].every((n) => n === 2)).toBe(true);
    expect(setup.proxy.stats().up.duplicated).toBe(count);
  });

  it("corrupts datagrams detectably, and counts exactly the ones it damaged", async () => {
    const setup = await setupProxy({ corrupt: 20 });
    await sendAll(setup, 3000);
    const damaged = setup.received.filter((packet) => !intact(packet)).length;
    expect(damaged).toBeGreaterThan(0);
    expect(damaged).toBe(setup.proxy.stats().up.corrupted);
  });

  it("reorders with the configured gap: only every gap-th datagram overtakes", async () => {
    const gap = 5;
    const setup = await setupProxy({ latencyMs: 30, reorder: 100, gap });
    const count = 500;
    await sendAll(setup, count);
    const order = setup.received.map((packet) => packet.readUInt32BE(0));
    // A datagram overtook if it arrived before a lower-numbered one.
    const overtakers = order.filter((seq, i) => order.slice(i + 1).some((later) => later < seq));
    expect(overtakers.length).toBeGreaterThan(0);
    expect(overtakers.every((seq) => (seq + 1) % gap === 0)).toBe(true);
    expect(setup.proxy.stats().up.reordered).toBe(count / gap);
  });

  it("counts the errors of an upstream that refuses datagrams, and stays up", async () => {
    const closed = await udpSocket();
    const refusing = closed.address;
    await new Promise<void>((resolve) => closed.socket.close(() => resolve()));
    const proxy = new UdpProxy({ listen: "127.0.0.1:0", upstream: refusing });
    const [host, port] = splitAddress(await proxy.start());
    const client = await udpSocket();
    cleanup.push(
      () => proxy.stop(),
      () => client.socket.close(),
    );
    for (let i = 0; i < 3; i++) client.socket.send(datagram(i), port, host);
    await waitFor(() => proxy.stats().sendErrors > 0, 5000, "the refusal to be counted");
    expect(proxy.stats()).toMatchObject({ mappings: 1, up: { packets: 3 } });
    expect(proxy.listening).toBe(true);
  });

  it("expires idle mappings", async () => {
    const { proxy, client, host, port, received } = await setupProxy({}, { idleTimeoutMs: 100 });
    client.send(datagram(0), port, host);
    await waitFor(() => received.length === 1, 5000, "the datagram");
    expect(proxy.stats().mappings).toBe(1);
    await waitFor(() => proxy.stats().mappings === 0, 5000, "the mapping to expire");
    expect(proxy.stats()).toMatchObject({ mappingsCreated: 1, mappingsExpired: 1, up: { packets: 1 } });
    client.send(datagram(1), port, host);
    await waitFor(() => received.length === 2, 5000, "a datagram on a new mapping");
    expect(proxy.stats().mappingsCreated).toBe(2);
  });
});
