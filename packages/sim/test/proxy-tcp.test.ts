import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { waitFor, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { fixedPolicy, type Impairment, type PathConfig, parseRate, TcpProxy } from "../src/index.js";
import { dial, echoServer, readBytes, readToClose, tcpServer } from "./proxy-helpers.js";

const both = (impairment: Impairment) => fixedPolicy({ up: { impairment }, down: { impairment } });

describe("TcpProxy", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  async function proxyTo(upstream: string, impairment?: Impairment, seed = 1) {
    const proxy = new TcpProxy({
      listen: "127.0.0.1:0",
      upstream,
      seed,
      ...(impairment ? { policy: both(impairment) } : {}),
    });
    const address = await proxy.start();
    cleanup.push(() => proxy.stop());
    return { proxy, address };
  }

  /** A started proxy to `upstream` with an unimpaired path that `setPath` replaces mid-connection. */
  async function reconfigurableProxyTo(upstream: string) {
    let path: PathConfig = { up: {}, down: {} };
    const proxy = new TcpProxy({ listen: "127.0.0.1:0", upstream, policy: { configure: () => path } });
    const address = await proxy.start();
    cleanup.push(() => proxy.stop());
    const setPath = (next: PathConfig) => {
      path = next;
      proxy.reconfigure();
    };
    return { proxy, address, setPath };
  }

  async function echo() {
    const server = await echoServer();
    cleanup.push(() => server.close());
    return server;
  }

  it("relays 4 MB each way intact and counts both directions", async () => {
    const { proxy, address } = await proxyTo((await echo()).address);
    const socket = await dial(address);
    const payload = randomBytes(4 << 20);
    socket.write(payload);
    expect((await readBytes(socket, payload.length)).equals(payload)).toBe(true);
    socket.destroy();
    await waitFor(() => proxy.stats().active === 0, 5000, "the connection to close");
    const stats = proxy.stats();
    expect(stats).toMatchObject({ accepted: 1, active: 0, upstreamFailed: 0 });
    expect(stats.up.bytes).toBe(payload.length);
    expect(stats.down.bytes).toBe(payload.length);
  });

  it("keeps the upstream's bytes intact while its reads queue behind a slow client and the link changes midway", async () => {
    // The upstream side reads into a reused buffer: bytes an impaired link keeps are copied, and a
    // read whose bytes a queued write still holds gets a fresh buffer next. This checks the bytes
    // across buffer reuse, backpressure and both link changes; it does not force the narrow case of a
    // queued write below the high-water mark (no pause), which the writableLength check guards.
    const payload = randomBytes(16 << 20);
    const sender = await tcpServer((socket) => socket.end(payload));
    cleanup.push(() => sender.close());
    const { proxy, address, setPath } = await reconfigurableProxyTo(sender.address);
    const socket = await dial(address);
    socket.pause();
    await waitFor(() => proxy.stats().down.bytes > 0, 5000, "the first bytes through");
    setPath({ up: {}, down: { impairment: { latencyMs: 2 } } });
    const reading = readBytes(socket, payload.length, 20_000);
    await waitFor(() => proxy.stats().down.bytes > payload.length / 2, 20_000, "half the payload");
    setPath({ up: {}, down: {} });
    expect((await reading).equals(payload)).toBe(true);
    socket.destroy();
  });

  it("keeps the client's bytes intact while its reads wait for a slow upstream and the link changes midway", async () => {
    // The client side reads into a reused buffer too (the accepted socket is adopted): a read whose
    // write the upstream socket queued keeps the client paused until that write is done.
    const payload = randomBytes(16 << 20);
    const chunks: Buffer[] = [];
    let upstreamSocket: Socket | undefined;
    const receiver = await tcpServer((socket) => {
      upstreamSocket = socket;
      socket.pause();
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    });
    cleanup.push(() => receiver.close());
    const { proxy, address, setPath } = await reconfigurableProxyTo(receiver.address);
    const socket = await dial(address);
    socket.end(payload);
    await waitFor(
      () => proxy.stats().up.bytes > 0 && upstreamSocket !== undefined,
      5000,
      "the first bytes through",
    );
    setPath({ up: { impairment: { latencyMs: 2 } }, down: {} });
    const ended = once(upstreamSocket!, "end");
    upstreamSocket!.resume();
    await waitFor(() => proxy.stats().up.bytes > payload.length / 2, 20_000, "half the payload");
    setPath({ up: {}, down: {} });
    await withTimeout(ended, 20_000, "the whole payload at the upstream");
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it("grows read buffers for a bulk transfer within their budget and gives the growth back on close", async () => {
    const sink = await tcpServer((socket) => {
      socket.resume();
      socket.on("end", () => socket.end());
    });
    cleanup.push(() => sink.close());
    const budget = 256 * 1024;
    const proxy = new TcpProxy({
      listen: "127.0.0.1:0",
      upstream: sink.address,
      readBufferGrowthBytes: budget,
    });
    const address = await proxy.start();
    cleanup.push(() => proxy.stop());
    const socket = await dial(address);
    let most = 0;
    const chunk = Buffer.alloc(1 << 20);
    for (let sent = 0; sent < 64 << 20; sent += chunk.length) {
      if (!socket.write(chunk)) await withTimeout(once(socket, "drain"), 10_000, "drain");
      most = Math.max(most, proxy.stats().readBufferGrowth);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(budget);
    socket.end();
    await waitFor(() => proxy.stats().active === 0, 5000, "the connection to close");
    expect(proxy.stats().readBufferGrowth).toBe(0);
    socket.destroy();
  });

  it("adds the configured latency each way (wide margins here; docs/benchmarks.md has the precise figure)", async () => {
    const { proxy, address } = await proxyTo((await echo()).address, { latencyMs: 20 });
    const socket = await dial(address);
    const rounds = 40;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      socket.write("x");
      await readBytes(socket, 1);
    }
    const meanMs = (performance.now() - started) / rounds;
    socket.destroy();
    expect(meanMs).toBeGreaterThanOrEqual(40);
    expect(meanMs).toBeLessThan(70);
    expect(proxy.stats().up.meanDelayMs).toBeGreaterThanOrEqual(20);
  });

  it("keeps a stream intact under loss and corruption (they become retransmission delay)", async () => {
    const { proxy, address } = await proxyTo((await echo()).address, { loss: 10, corrupt: 5, latencyMs: 1 });
    const socket = await dial(address);
    const payload = randomBytes(256 << 10);
    socket.write(payload);
    expect((await readBytes(socket, payload.length, 15_000)).equals(payload)).toBe(true);
    socket.destroy();
    const { up, down } = proxy.stats();
    expect(up.lost + down.lost).toBeGreaterThan(0);
    expect(up.corrupted + down.corrupted).toBeGreaterThan(0);
  });

  it("limits the rate", async () => {
    let received = 0;
    const sink = await tcpServer((socket) =>
      socket.on("data", (chunk: Buffer) => (received += chunk.length)),
    );
    cleanup.push(() => sink.close());
    const rate = parseRate("16mbit"); // 2 MB/s
    const proxy = new TcpProxy({
      listen: "127.0.0.1:0",
      upstream: sink.address,
      policy: fixedPolicy({ up: { impairment: { rateBitsPerSec: rate } }, down: {} }),
    });
    cleanup.push(() => proxy.stop());
    const socket = await dial(await proxy.start());
    const total = 3 << 20;
    socket.write(randomBytes(total));
    // The token bucket lets a burst through at once; time the rest.
    await waitFor(() => received >= 512 << 10, 10_000, "the first 512 KiB");
    const [from, startedAt] = [received, performance.now()];
    await waitFor(() => received >= total, 10_000, "all bytes");
    const bytesPerSec = (received - from) / ((performance.now() - startedAt) / 1000);
    socket.destroy();
    // Never faster than configured; slower only by what a busy machine costs (the precise figure: docs).
    expect(bytesPerSec).toBeGreaterThan((rate / 8) * 0.5);
    expect(bytesPerSec).toBeLessThan((rate / 8) * 1.1);
  });

  it("pushes back on a client whose upstream does not read, instead of buffering", async () => {
    const stalled = await tcpServer((socket) => socket.pause());
    cleanup.push(() => stalled.close());
    const { proxy, address } = await proxyTo(stalled.address);
    const socket = await dial(address);
    const total = 64 << 20;
    socket.write(Buffer.alloc(total));
    let last = -1;
    // Wait until the proxy stops taking bytes: the kernel buffers and the link are full.
    await waitFor(
      () => {
        const now = proxy.stats().up.bytes;
        const settled = now === last && now > 0;
        last = now;
        return settled;
      },
      15_000,
      "the proxy to stop reading",
      250,
    );
    expect(proxy.stats().up.bytes).toBeLessThan(total / 2);
    expect(socket.writableLength).toBeGreaterThan(0);
    socket.destroy();
  });

  it("closes and counts a client whose upstream is unreachable, and stays up", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const { proxy, address } = await proxyTo(`127.0.0.1:${port}`);
    for (let i = 1; i <= 2; i++) {
      const result = await readToClose(await dial(address));
      expect(result.data.length).toBe(0);
      expect(proxy.stats().upstreamFailed).toBe(i);
    }
    expect(proxy.listening).toBe(true);
  });

  it("passes a half-close through: the client's FIN reaches the upstream and the reply still arrives", async () => {
    const { address } = await proxyTo((await echo()).address, { latencyMs: 5 });
    const socket = await dial(address);
    const result = readToClose(socket);
    socket.end("last words");
    expect((await result).data.toString()).toBe("last words");
  });

  it("stop() closes open connections; counters survive a restart", async () => {
    const { proxy, address } = await proxyTo((await echo()).address);
    const socket = await dial(address);
    socket.write("abc");
    await readBytes(socket, 3);
    const closed = readToClose(socket);
    await proxy.stop();
    await closed;
    expect(await proxy.start()).toBe(address);
    expect(proxy.stats()).toMatchObject({ accepted: 1, active: 0, up: { bytes: 3 }, down: { bytes: 3 } });
  });
});

describe("parseRate", () => {
  it.each([
    ["64000", 64_000],
    ["500kbit", 500_000],
    ["10mbit", 10_000_000],
    ["1gbit", 1_000_000_000],
    ["1Gbit", 1_000_000_000],
    ["125kbps", 1_000_000],
    ["1mibit", 1024 * 1024],
    ["2.5mbit", 2_500_000],
  ])("%s is %d bits/s", (text, bits) => {
    expect(parseRate(text)).toBe(bits);
  });

  it.each(["", "fast", "10m", "-5kbit", "0", "0kbit", "5 kbitz"])("refuses %j", (text) => {
    expect(() => parseRate(text)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});
