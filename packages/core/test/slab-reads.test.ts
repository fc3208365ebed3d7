import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Connection } from "../src/index.js";
import { connectNet, SlabReads, StreamConnection } from "../src/node/index.js";
import { withTimeout } from "../src/testing/index.js";

/** Byte `i` of the test stream: varies within and across slabs. */
const patternByte = (i: number) => (i * 7 + (i >> 9)) & 0xff;

/** A loopback server, and a client connection read through SlabReads. */
async function slabPair(): Promise<{ client: Connection; peer: Socket; close: () => void }> {
  const server: Server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const slabReads = new SlabReads();
  const socket = await connectNet({
    transport: "tcp",
    address: `127.0.0.1:${port}`,
    target: { host: "127.0.0.1", port },
    timeout: 2000,
    slabReads,
  });
  const [peer] = await accepted;
  const client = new StreamConnection(socket, {
    transport: "tcp",
    localAddress: "l",
    remoteAddress: "r",
    slabReads,
  });
  return {
    client,
    peer,
    close: () => {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}

/** Writes `total` pattern bytes in `size`-byte writes, yielding to the event loop between writes. */
async function writePattern(peer: Socket, total: number, size: number): Promise<void> {
  for (let sent = 0; sent < total; sent += size) {
    const chunk = Buffer.alloc(Math.min(size, total - sent));
    for (let i = 0; i < chunk.length; i++) chunk[i] = patternByte(sent + i);
    if (!peer.write(chunk)) await once(peer, "drain");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("SlabReads (node:net onread into slabs)", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("delivers every byte in order, and chunks kept as views are never read over", async () => {
    const { client, peer, close } = await slabPair();
    cleanup = close;
    const total = 300 * 1024; // several 64 KiB slabs
    const views: Uint8Array[] = [];
    let received = 0;
    const all = new Promise<void>((resolve) =>
      client.setHandler({
        onData(chunk) {
          views.push(chunk); // kept without copying
          received += chunk.byteLength;
          if (received === total) resolve();
        },
        onClose() {},
      }),
    );
    await writePattern(peer, total, 1500);
    await withTimeout(all, 5000, "all bytes");
    expect(views.length).toBeGreaterThan(1);
    const joined = Buffer.concat(views);
    const mismatch = joined.findIndex((byte, i) => byte !== patternByte(i));
    expect(mismatch).toBe(-1);
    expect(client.stats?.().bytesRead).toBe(total);
  });

  it("pause stops delivery until resume, and nothing is lost", async () => {
    const { client, peer, close } = await slabPair();
    cleanup = close;
    let received = 0;
    let whilePaused = 0;
    let paused = false;
    let firstChunk!: () => void;
    const first = new Promise<void>((resolve) => {
      firstChunk = resolve;
    });
    let allBytes!: () => void;
    const all = new Promise<void>((resolve) => {
      allBytes = resolve;
    });
    client.setHandler({
      onData(chunk) {
        if (paused) whilePaused += chunk.byteLength;
        received += chunk.byteLength;
        if (received === 100) firstChunk();
        if (received === 100 + 64 * 1024) allBytes();
      },
      onClose() {},
    });
    peer.write(Buffer.alloc(100, 1));
    await withTimeout(first, 2000, "the first chunk");
    client.pause();
    paused = true;
    peer.write(Buffer.alloc(64 * 1024, 2));
    // Nothing may arrive while paused: give the bytes time to reach the client's kernel buffer.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(whilePaused).toBe(0);
    paused = false;
    client.resume();
    await withTimeout(all, 2000, "the bytes sent while paused");
    expect(received).toBe(100 + 64 * 1024);
  });

  it("reports the peer's end and then the close", async () => {
    const { client, peer, close } = await slabPair();
    cleanup = close;
    const events: string[] = [];
    const closed = new Promise<void>((resolve) =>
      client.setHandler({
        onData(chunk) {
          events.push(`data ${chunk.byteLength}`);
        },
        onEnd() {
          events.push("end");
          client.end();
        },
        onClose() {
          events.push("close");
          resolve();
        },
      }),
    );
    peer.end(Buffer.alloc(10));
    await withTimeout(closed, 2000, "end and close");
    expect(events).toEqual(["data 10", "end", "close"]);
  });
});
