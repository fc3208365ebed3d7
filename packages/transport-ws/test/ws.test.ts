import { request } from "node:http";
import { createServer, connect as netConnect } from "node:net";
import { ErrorCode, isMsgError } from "@msg/core";
import { freePort, Incoming, Reader, Resources, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type WsConnection, type WsListener, WsTransport } from "../src/index.js";
import { closeErrorOf, connectPair, refusal } from "./support.js";

const resources = new Resources();
afterEach(() => resources.closeAll());

/** A bare `ws` client (not msg's), for what a foreign or misbehaving peer does. */
async function rawClient(
  url: string,
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  resources.add(() => ws.terminate());
  ws.on("error", () => {});
  await withTimeout(
    new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    }),
    5000,
    "the raw client to open",
  );
  return ws;
}

/** Binds a listener whose incoming connections are accepted at once, handed out as they come. */
async function acceptingListener(transport: WsTransport, address = "ws://127.0.0.1:0/msg") {
  const accepted: Promise<WsConnection>[] = [];
  const waiters: ((connection: Promise<WsConnection>) => void)[] = [];
  const listener = resources.listener(
    (await transport.bind(address, (pending) => {
      const connection = pending.accept().then((c) => resources.connection(c as WsConnection));
      const waiter = waiters.shift();
      if (waiter) waiter(connection);
      else accepted.push(connection);
    })) as WsListener,
  );
  const next = () =>
    withTimeout(
      accepted.shift() ?? new Promise<WsConnection>((resolve) => waiters.push((c) => c.then(resolve))),
      5000,
      "an accepted connection",
    );
  return { listener, next };
}

/** Sends a raw HTTP request to the listener and returns the status code. */
function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = request(url.replace(/^ws/, "http"), { headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on("upgrade", (response, socket) => {
        socket.destroy();
        resolve(response.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    }),
    5000,
    "an HTTP answer",
  );
}

describe("ws transport", () => {
  it("reports the bound port and path; host:port addresses take the path option", async () => {
    const transport = new WsTransport({ path: "/bus" });
    const listener = resources.listener(await transport.bind("127.0.0.1:0", () => {}));
    expect(listener.localAddress).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/bus$/);
    expect(listener.localAddress).not.toContain(":0/");
    const url = resources.listener(await transport.bind("ws://[::1]:0/other/path", () => {}));
    expect(url.localAddress).toMatch(/^ws:\/\/\[::1\]:\d+\/other\/path$/);
  });

  it("names a dual-stack listener's IPv4 peer in IPv4 form, as the client names itself", async () => {
    const transport = new WsTransport();
    const { listener, next } = await acceptingListener(transport, "ws://[::]:0/");
    const port = new URL(listener.localAddress).port;
    const client = resources.connection(await transport.connect(`ws://127.0.0.1:${port}/`));
    const server = await next();
    expect(server.remoteAddress).toBe(client.localAddress);
    expect(server.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("a client of another path gets handshake_failed (HTTP 404); the listener counts it", async () => {
    const transport = new WsTransport();
    const { listener } = await acceptingListener(transport, "ws://127.0.0.1:0/msg");
    const error = await refusal(transport.connect(listener.localAddress.replace("/msg", "/other")));
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toContain("404");
    expect(listener.stats()).toMatchObject({ refusedPath: 1, pending: 0, accepted: 0 });
  });

  it("allowedOrigins refuses other origins with 403, accepts listed ones in any case, and clients without Origin", async () => {
    const server = new WsTransport({ allowedOrigins: ["https://app.example"] });
    const { listener, next } = await acceptingListener(server);
    const refused = await refusal(
      new WsTransport({ origin: "https://evil.example" }).connect(listener.localAddress),
    );
    expect(isMsgError(refused, ErrorCode.HandshakeFailed)).toBe(true);
    expect((refused as Error).message).toContain("403");
    expect(listener.stats().refusedOrigin).toBe(1);

    for (const client of [new WsTransport({ origin: "https://APP.example" }), new WsTransport()]) {
      const connection = resources.connection(await client.connect(listener.localAddress));
      const accepted = await next();
      const recorder = new Reader(accepted);
      connection.write(Buffer.from("hi"));
      await recorder.until(() => recorder.bytes().toString() === "hi", "data from an allowed client");
    }
    expect(listener.stats()).toMatchObject({ accepted: 2, refusedOrigin: 1 });
  });

  it("by default accepts every Origin", async () => {
    const { listener, next } = await acceptingListener(new WsTransport());
    resources.connection(
      await new WsTransport({ origin: "https://anywhere.example" }).connect(listener.localAddress),
    );
    await next();
    expect(listener.stats().refusedOrigin).toBe(0);
  });

  it("a message above the receiver's maxPayload fails that connection with frame_too_large; the sender sees code 1009", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport({ maxPayload: 1024 }),
      new WsTransport(),
      "ws://127.0.0.1:0/",
    );
    const atServer = new Reader(server);
    const atClient = new Reader(client);
    client.write(Buffer.alloc(2000, 1));
    const [serverError, clientError] = await Promise.all([closeErrorOf(atServer), closeErrorOf(atClient)]);
    expect(isMsgError(serverError, ErrorCode.FrameTooLarge)).toBe(true);
    expect(isMsgError(clientError, ErrorCode.ConnectionLost)).toBe(true);
    expect(clientError?.message).toContain("1009");
    expect(atServer.bytes().length).toBe(0);
  });

  it("splits a write larger than maxPayload into messages, which the peer reassembles as a byte stream", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport({ maxPayload: 1024 }),
      new WsTransport({ maxPayload: 1024 }),
      "ws://127.0.0.1:0/",
    );
    const atServer = new Reader(server);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, index) => index % 251));
    client.write(data);
    await atServer.until(() => atServer.bytes().length === data.length, "5000 bytes");
    expect(atServer.bytes().equals(data)).toBe(true);
    expect((client as WsConnection).stats()).toMatchObject({ bytesWritten: 5000, messagesWritten: 5 });
    expect((server as WsConnection).stats()).toMatchObject({ bytesRead: 5000, messagesRead: 5 });
  });

  it("does not negotiate permessage-deflate unless asked", async () => {
    const plain = await acceptingListener(new WsTransport());
    // ws's own client offers permessage-deflate by default.
    expect((await rawClient(plain.listener.localAddress)).extensions).toBe("");
    const deflating = await acceptingListener(new WsTransport({ perMessageDeflate: true }));
    expect((await rawClient(deflating.listener.localAddress)).extensions).toContain("permessage-deflate");
  });

  it("a peer's text message other than the end marker fails the connection with malformed_frame", async () => {
    const { listener, next } = await acceptingListener(new WsTransport());
    const peer = await rawClient(listener.localAddress);
    const atServer = new Reader(await next());
    peer.send("hello");
    const peerClosed = new Promise<number>((resolve) => peer.once("close", resolve));
    expect(isMsgError(await closeErrorOf(atServer), ErrorCode.MalformedFrame)).toBe(true);
    expect(await withTimeout(peerClosed, 5000, "the peer's close")).toBe(1002);
  });

  it("binary data after the peer's end marker fails the connection with malformed_frame", async () => {
    const { listener, next } = await acceptingListener(new WsTransport());
    const peer = await rawClient(listener.localAddress);
    const atServer = new Reader(await next());
    peer.send(Buffer.from("a"));
    peer.send("end");
    peer.send(Buffer.from("b"));
    const error = await closeErrorOf(atServer);
    expect(isMsgError(error, ErrorCode.MalformedFrame)).toBe(true);
    expect(atServer.bytes().toString()).toBe("a");
    expect(atServer.ended).toBe(true);
  });

  it("a peer that closes cleanly without ending first: onEnd, then onClose without error", async () => {
    const { listener, next } = await acceptingListener(new WsTransport());
    const peer = await rawClient(listener.localAddress);
    const atServer = new Reader(await next());
    peer.send(Buffer.from("bye"));
    peer.close(1000);
    expect(await closeErrorOf(atServer)).toBeUndefined();
    expect(atServer.ended).toBe(true);
    expect(atServer.bytes().toString()).toBe("bye");
  });

  it("a peer that vanishes without a closing handshake: onClose with connection_lost (1006)", async () => {
    const { listener, next } = await acceptingListener(new WsTransport());
    const peer = await rawClient(listener.localAddress);
    const atServer = new Reader(await next());
    peer.terminate();
    const error = await closeErrorOf(atServer);
    expect(isMsgError(error, ErrorCode.ConnectionLost)).toBe(true);
    expect(error?.message).toContain("1006");
    expect(atServer.closes).toBe(1);
  });

  it("reject() answers 503: the client's connect fails with handshake_failed", async () => {
    const transport = new WsTransport();
    const incoming = new Incoming();
    const listener = resources.listener(
      (await transport.bind("ws://127.0.0.1:0/", incoming.push)) as WsListener,
    );
    const attempt = refusal(transport.connect(listener.localAddress));
    (await incoming.next()).reject();
    const error = await attempt;
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toContain("503");
    expect(listener.stats()).toMatchObject({ rejected: 1, pending: 0 });
  });

  it("beyond maxPendingConnections new upgrade requests are refused with 503 and counted", async () => {
    const transport = new WsTransport({ maxPendingConnections: 1 });
    const incoming = new Incoming();
    const listener = resources.listener(
      (await transport.bind("ws://127.0.0.1:0/", incoming.push)) as WsListener,
    );
    const first = transport.connect(listener.localAddress).then((c) => resources.connection(c));
    const waiting = await incoming.next();
    const refused = await refusal(transport.connect(listener.localAddress));
    expect((refused as Error).message).toContain("503");
    expect(listener.stats()).toMatchObject({ pending: 1, refusedFull: 1 });
    await waiting.accept().then((c) => resources.connection(c));
    await first;
    expect(listener.stats()).toMatchObject({ pending: 0, accepted: 1 });
  });

  it("answers plain HTTP with 426 and a malformed upgrade with 400; an invalid key fails accept() with the reason", async () => {
    const transport = new WsTransport();
    const incoming = new Incoming();
    const listener = resources.listener(
      (await transport.bind("ws://127.0.0.1:0/", incoming.push)) as WsListener,
    );
    expect(await httpStatus(listener.localAddress)).toBe(426);
    expect(await httpStatus(listener.localAddress, { Connection: "Upgrade", Upgrade: "h2c" })).toBe(400);
    expect(listener.stats().notWebSocket).toBe(2);
    const badKey = httpStatus(listener.localAddress, {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "not a key",
    });
    const error = await refusal((await incoming.next()).accept());
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toContain("Sec-WebSocket-Key");
    expect(await badKey).toBe(400);
    expect(listener.stats()).toMatchObject({ acceptFailed: 1, pending: 0 });
  });

  it("handshakeTimeout drops a silent client on the server, and never touches established connections", async () => {
    const transport = new WsTransport({ handshakeTimeout: 300 });
    const { client, server, listener } = await connectPair(
      resources,
      transport,
      transport,
      "ws://127.0.0.1:0/",
    );
    const port = Number(new URL(listener.localAddress).port);
    // Two silent clients in turn: the established connection then lives through at least two timeouts.
    for (let round = 0; round < 2; round++) {
      const silent = netConnect(port, "127.0.0.1");
      resources.add(() => silent.destroy());
      silent.on("error", () => {});
      const started = Date.now();
      await withTimeout(
        new Promise((resolve) => silent.once("close", resolve)),
        5000,
        "the silent client's close",
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    }
    const atServer = new Reader(server);
    client.write(Buffer.from("still here"));
    await atServer.until(() => atServer.bytes().toString() === "still here", "data after the timeout");
  });

  it("connect fails with handshake_failed when the server never answers the upgrade", async () => {
    const mute = resources.server(
      createServer((socket) => {
        socket.on("error", () => {});
        resources.add(() => socket.destroy());
      }),
    );
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    const { port } = mute.address() as { port: number };
    const started = Date.now();
    const error = await refusal(new WsTransport({ handshakeTimeout: 200 }).connect(`127.0.0.1:${port}`));
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("connect to a port nobody listens on fails with connect_failed naming the errno", async () => {
    const error = await refusal(new WsTransport().connect(`ws://127.0.0.1:${await freePort()}/`));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("bind on a port in use fails with bind_failed; an unresolvable host with invalid_address", async () => {
    const transport = new WsTransport();
    const listener = resources.listener(await transport.bind("ws://127.0.0.1:0/", () => {}));
    const inUse = await refusal(transport.bind(listener.localAddress, () => {}));
    expect(isMsgError(inUse, ErrorCode.BindFailed)).toBe(true);
    expect((inUse as Error).message).toContain("EADDRINUSE");
    const nowhere = await refusal(
      transport.bind("ws://no-such-host.invalid:0/", () => {}),
      15_000,
    );
    expect(isMsgError(nowhere, ErrorCode.InvalidAddress)).toBe(true);
  });

  it("write() returns false above highWaterMark while the peer does not read; onDrain follows", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      new WsTransport({ highWaterMark: 1024 }),
      "ws://127.0.0.1:0/",
    );
    server.pause();
    const atServer = new Reader(server);
    let drained = 0;
    let onDrain: () => void = () => {};
    const firstDrain = new Promise<void>((resolve) => {
      onDrain = resolve;
    });
    client.setHandler({
      onData() {},
      onDrain: () => {
        drained++;
        onDrain();
      },
      onClose() {},
    });
    const chunk = Buffer.alloc(64 * 1024, 3);
    let written = 0;
    while (client.write(chunk)) {
      written += chunk.length;
      if (written > 256 * 1024 * 1024) throw new Error("write() never pushed back");
      await new Promise((resolve) => setImmediate(resolve));
    }
    written += chunk.length;
    server.resume();
    await atServer.until(() => atServer.bytes().length === written, `${written} bytes`, 20_000);
    await withTimeout(firstDrain, 5000, "onDrain");
    expect(drained).toBe(1);
  });

  it('listener.control() rejects with unsupported_control (ws has no "tls.setCertificates")', async () => {
    const listener = resources.listener(await new WsTransport().bind("ws://127.0.0.1:0/", () => {}));
    const error = await refusal(listener.control({ type: "tls.setCertificates", cert: "", key: "" }));
    expect(isMsgError(error, ErrorCode.UnsupportedControl)).toBe(true);
  });
});
