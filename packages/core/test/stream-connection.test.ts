import { once } from "node:events";
import { createServer, type Socket, connect as tcpConnect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Connection, ErrorCode, isMsgError, readExactly } from "../src/index.js";
import { StreamConnection } from "../src/node/index.js";
import { waitFor, withTimeout } from "../src/testing/index.js";

/** A connected pair of real loopback sockets, wrapped. */
async function pair(): Promise<{ client: Connection; server: Connection; close: () => void }> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const raw = tcpConnect(port, "127.0.0.1");
  await once(raw, "connect");
  const [rawServer] = await accepted;
  const wrap = (s: Socket) =>
    new StreamConnection(s, { transport: "tcp", localAddress: "l", remoteAddress: "r" });
  const client = wrap(raw);
  const serverConn = wrap(rawServer);
  return {
    client,
    server: serverConn,
    close: () => {
      client.destroy();
      serverConn.destroy();
      server.close();
    },
  };
}

describe("StreamConnection and readExactly", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("reads an exact handshake and hands the following bytes to the next handler", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    client.write(Buffer.from("HELLO"));
    client.write(Buffer.from("WORLD-and-more"));
    const head = await withTimeout(readExactly(server, 7), 2000, "handshake bytes");
    expect(Buffer.from(head).toString()).toBe("HELLOWO");
    const rest: Buffer[] = [];
    const got = new Promise<void>((resolve) => {
      server.setHandler({
        onData(chunk) {
          rest.push(Buffer.from(chunk));
          if (Buffer.concat(rest).length >= 12) resolve();
        },
        onClose() {},
      });
    });
    await withTimeout(got, 2000, "bytes after the handshake");
    expect(Buffer.concat(rest).toString()).toBe("RLD-and-more");
  });

  it("fails readExactly with eof_mid_frame when the peer closes early", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    client.write(Buffer.from("abc"));
    client.end();
    const error = await withTimeout(
      readExactly(server, 10).catch((e) => e),
      2000,
      "eof",
    );
    expect(isMsgError(error, ErrorCode.EofMidFrame)).toBe(true);
  });

  it("reports close once to the handler and refuses writes afterwards", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    let closes = 0;
    const closed = new Promise<void>((resolve) =>
      server.setHandler({
        onData() {},
        onClose() {
          closes++;
          resolve();
        },
      }),
    );
    client.destroy();
    await withTimeout(closed, 2000, "close");
    expect(closes).toBe(1);
    expect(server.closed).toBe(true);
    expect(server.write(Buffer.from("x"))).toBe(false);
    expect(server.writev!([Buffer.from("x"), Buffer.from("y")])).toBe(false);
  });

  it("writev sends the chunks in order, as one write of each would, and counts them", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    // A socket with room takes small chunks at once: true, as a lone write() would return.
    expect(client.writev!([Buffer.from("head:"), Buffer.from("-")])).toBe(true);
    client.writev!([Buffer.alloc(200_000, 9), Buffer.from(":tail")]);
    const received = await withTimeout(readExactly(server, 200_011), 2000, "the chunks");
    expect(Buffer.from(received.subarray(0, 6)).toString()).toBe("head:-");
    expect(received.subarray(6, 200_006).every((byte) => byte === 9)).toBe(true);
    expect(Buffer.from(received.subarray(200_006)).toString()).toBe(":tail");
    expect(client.stats!().bytesWritten).toBe(200_011);
  });

  it("writev reports push-back as write() does, and onDrain follows once the peer reads", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    server.pause();
    const drained = new Promise<void>((resolve) =>
      client.setHandler({ onData() {}, onDrain: resolve, onClose() {} }),
    );
    let sent = 0;
    let accepted = true;
    // The kernel's buffers hold a few MiB; 64 MiB bounds the loop.
    while (accepted && sent < 64 * 1024 * 1024) {
      accepted = client.writev!([Buffer.alloc(100), Buffer.alloc(64 * 1024)]);
      sent += 100 + 64 * 1024;
    }
    expect(accepted).toBe(false);
    let read = 0;
    server.setHandler({
      onData(chunk) {
        read += chunk.byteLength;
      },
      onClose() {},
    });
    server.resume();
    await withTimeout(drained, 5000, "onDrain after the peer read");
    await waitFor(() => read === sent, 5000, "every byte at the peer");
    expect(read).toBe(sent);
  });

  it("counts bytes in both directions", async () => {
    const { client, server, close } = await pair();
    cleanup = close;
    client.write(Buffer.alloc(1000));
    await withTimeout(readExactly(server, 1000), 2000, "1000 bytes");
    expect(client.stats!().bytesWritten).toBe(1000);
    expect(server.stats!().bytesRead).toBe(1000);
  });
});
