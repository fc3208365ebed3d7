import { createHash, randomBytes } from "node:crypto";
import { isMsgError } from "@msg/core";
import { Reader, Resources, waitFor, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { QuicTransportOptions } from "../src/index.js";
import { bindQueue, testTransport } from "./helpers.js";

const resources = new Resources();
afterEach(() => resources.closeAll());

/** A connected pair: the client has written `hello` so that the server could accept it. */
async function connectedPair(options: QuicTransportOptions = {}) {
  const transport = testTransport(options);
  const server = await bindQueue(transport, resources);
  const client = resources.connection(await transport.connect(server.listener.localAddress));
  client.write(Buffer.from("hello"));
  const accepted = await server.next();
  return { transport, listener: server.listener, client, accepted };
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe("QUIC stream", () => {
  it("carries bytes both ways, in order", async () => {
    const { client, accepted } = await connectedPair();
    const atServer = new Reader(accepted);
    const atClient = new Reader(client);
    for (let i = 0; i < 50; i++) client.write(Buffer.from(`<${i}>`));
    const expected = `hello${Array.from({ length: 50 }, (_, i) => `<${i}>`).join("")}`;
    await atServer.untilLength(expected.length);
    expect(atServer.text()).toBe(expected);
    accepted.write(Buffer.from("world"));
    await atClient.untilLength(5);
    expect(atClient.text()).toBe("world");
  });

  it("transfers 4 MiB intact in each direction at once", async () => {
    const { client, accepted } = await connectedPair();
    const up = randomBytes(4 << 20);
    const down = randomBytes(4 << 20);
    const atServer = new Reader(accepted);
    const atClient = new Reader(client);
    for (let offset = 0; offset < up.length; offset += 65_536) {
      client.write(up.subarray(offset, offset + 65_536));
      accepted.write(down.subarray(offset, offset + 65_536));
    }
    await atServer.untilLength(5 + up.length, 30_000);
    await atClient.untilLength(down.length, 30_000);
    expect(sha256(atServer.bytes().subarray(5))).toBe(sha256(up));
    expect(sha256(atClient.bytes())).toBe(sha256(down));
  }, 60_000);

  it("half-closes: each side still sends after the other ended, then both close cleanly", async () => {
    const { listener, client, accepted } = await connectedPair();
    const atServer = new Reader(accepted);
    const atClient = new Reader(client);
    client.end();
    await atServer.until(() => atServer.ended, "end at the server");
    accepted.write(Buffer.from("late reply"));
    await atClient.untilLength(10);
    expect(atClient.text()).toBe("late reply");
    expect(atClient.ended).toBe(false);
    accepted.end();
    await atClient.untilClosed();
    await atServer.untilClosed();
    expect(atClient.ended).toBe(true);
    expect(atClient.closeError).toBeUndefined();
    expect(atServer.closeError).toBeUndefined();
    // The QUIC connection goes away once the last bytes are acknowledged.
    await waitFor(() => listener.stats().open === 0, 5_000, "the QUIC connection to close");
  });

  it("applies backpressure: a paused reader stops the writer, and resuming drains it", async () => {
    const { client, accepted } = await connectedPair();
    const atServer = new Reader(accepted);
    await atServer.untilLength(5);
    accepted.pause();
    const chunk = Buffer.alloc(65_536, 1);
    let written = 0;
    let refused = false;
    const drained = new Promise<void>((resolve) =>
      client.setHandler({ onData() {}, onDrain: resolve, onClose() {} }),
    );
    // Write until the transport says stop: quiche's flow-control window and our buffer are both bounded.
    for (let i = 0; i < 2_000 && !refused; i++) {
      refused = !client.write(chunk);
      written += chunk.length;
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(refused).toBe(true);
    expect(written).toBeLessThan(64 << 20);
    const before = atServer.length;
    accepted.resume();
    await withTimeout(drained, 20_000, "drain at the writer");
    await atServer.untilLength(5 + written, 30_000);
    expect(before).toBeLessThan(5 + written);
  }, 60_000);

  it("destroy() closes both sides promptly: the peer sees an orderly end", async () => {
    const { client, accepted } = await connectedPair();
    const atServer = new Reader(accepted);
    const atClient = new Reader(client);
    const started = Date.now();
    client.destroy();
    await atClient.untilClosed(1_000);
    await atServer.untilClosed(2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(atServer.closeError).toBeUndefined();
    expect(client.closed).toBe(true);
    expect(client.write(Buffer.from("x"))).toBe(false);
  });

  it("a peer destroying while the other side writes at full speed ends the writer, no crash", async () => {
    const { client, accepted } = await connectedPair();
    const atClient = new Reader(client);
    const chunk = Buffer.alloc(65_536, 2);
    let writing = true;
    const writeLoop = (async () => {
      while (writing && !client.closed) {
        client.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await new Reader(accepted).untilLength(256 << 10);
    accepted.destroy();
    await atClient.untilClosed(5_000);
    writing = false;
    await writeLoop;
    expect(client.write(chunk)).toBe(false);
  });

  it("closes an idle connection after idleTimeout with connection_lost", async () => {
    const { client, accepted } = await connectedPair({ keepAliveInterval: 0, idleTimeout: 400 });
    const atClient = new Reader(client);
    const atServer = new Reader(accepted);
    await atClient.untilClosed(5_000);
    await atServer.untilClosed(5_000);
    expect(isMsgError(atClient.closeError, "connection_lost")).toBe(true);
    expect(atClient.closeError?.message).toMatch(/timed out/);
  });

  it("keeps an idle connection alive with keep-alives", async () => {
    const { client, accepted } = await connectedPair({ keepAliveInterval: 100, idleTimeout: 400 });
    const atServer = new Reader(accepted);
    const atClient = new Reader(client);
    // Waiting is the scenario here: three idle timeouts pass in which only keep-alives flow.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(atClient.closed || atServer.closed).toBe(false);
    client.write(Buffer.from("still here"));
    await atServer.untilLength(15);
  });

  it("reports byte counts and QUIC path statistics", async () => {
    const { client, accepted } = await connectedPair();
    await new Reader(accepted).untilLength(5);
    const atClient = new Reader(client);
    accepted.write(Buffer.alloc(1000, 3));
    await atClient.untilLength(1000);
    const stats = client.stats?.();
    expect(stats).toMatchObject({ bytesRead: 1000, bytesWritten: 5 });
    // quiche reports the RTT in whole milliseconds (0 on a fast loopback), converted to µs; even its
    // initial estimate before any sample (333 ms) is under a second.
    const rttUs = stats?.rttUs ?? Number.NaN;
    expect(rttUs % 1000).toBe(0);
    expect(rttUs).toBeGreaterThanOrEqual(0);
    expect(rttUs).toBeLessThan(1_000_000);
    expect(stats?.congestionWindow).toBeGreaterThanOrEqual(1200); // at least one full-size packet
    // Packet counts, not bytes: whole numbers, and few for a handshake and two short writes (a probe
    // timeout on a busy machine may resend one or two packets; loopback itself loses none).
    for (const count of [stats?.lost, stats?.retransmits]) {
      expect(Number.isInteger(count)).toBe(true);
      expect(count).toBeGreaterThanOrEqual(0);
      expect(count).toBeLessThan(20);
    }
    expect(accepted.stats?.()).toMatchObject({ bytesRead: 5, bytesWritten: 1000 });
    client.destroy();
    await atClient.untilClosed();
    // The last snapshot stays readable after close.
    expect(client.stats?.()).toMatchObject({ bytesRead: 1000, bytesWritten: 5 });
    expect(client.stats?.().congestionWindow).toBeGreaterThan(0);
  });
});
