// The browser transport, run in Node against the Node listener: `ws`'s WebSocket implements the same
// WHATWG API as a browser's (binaryType, bufferedAmount, on* handlers, close codes), so it stands in
// for the platform's. The real browser runs in test/browser (npm run test:browser).

import { ErrorCode, isMsgError } from "@msg/core";
import { transportComplianceSuite } from "@msg/core/compliance";
import {
  badOptionCases,
  badTimeoutValues as badTimer,
  freePort,
  generateTestPki,
  notANumber,
  optionRefusal,
  Reader,
  Resources,
  waitFor,
} from "@msg/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { pageCloseCode } from "../src/browser-socket.js";
import {
  BrowserWssTransport,
  BrowserWsTransport,
  type BrowserWsTransportOptions,
  type PlatformWebSocketConstructor,
  type WsConnection,
  WssTransport,
  WsTransport,
} from "../src/index.js";
import { closeErrorOf, connectPair, refusal } from "./support.js";

const platform = WebSocket as unknown as PlatformWebSocketConstructor;
const browser = (options: BrowserWsTransportOptions = {}) =>
  new BrowserWsTransport({ webSocket: platform, ...options });

transportComplianceSuite("browser client (ws) to a Node listener", {
  server: () => new WsTransport(),
  client: () => browser(),
  bindAddress: () => "ws://127.0.0.1:0/msg",
  deadAddress: async () => `ws://127.0.0.1:${await freePort()}/msg`,
  limits: { remoteAddressIsNotClientAddress: "a page cannot learn its own address: localAddress is empty" },
});

const pki = generateTestPki();
/** A WebSocket that trusts the test CA, as a browser trusts its certificate store. */
class TrustingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { ca: pki.ca });
  }
}

transportComplianceSuite("browser client (wss) to a Node listener", {
  server: () => new WssTransport({ ...pki.server }),
  client: () =>
    new BrowserWssTransport({ webSocket: TrustingWebSocket as unknown as PlatformWebSocketConstructor }),
  bindAddress: () => "wss://127.0.0.1:0/msg",
  deadAddress: async () => `wss://127.0.0.1:${await freePort()}/msg`,
  limits: { remoteAddressIsNotClientAddress: "a page cannot learn its own address: localAddress is empty" },
});

const resources = new Resources();
afterEach(() => resources.closeAll());

describe("browser ws transport", () => {
  it("cannot bind: transport_unavailable, saying why", async () => {
    const error = await refusal(browser().bind("ws://127.0.0.1:0/", () => {}));
    expect(isMsgError(error, ErrorCode.TransportUnavailable)).toBe(true);
    expect((error as Error).message).toContain("a browser cannot listen");
  });

  it("without a WebSocket in the runtime, connect fails with transport_unavailable", async () => {
    vi.stubGlobal("WebSocket", undefined);
    try {
      const error = await refusal(new BrowserWsTransport().connect("ws://127.0.0.1:9/"));
      expect(isMsgError(error, ErrorCode.TransportUnavailable)).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("a refused upgrade (wrong path: 404) fails connect with connect_failed, as a browser cannot tell why", async () => {
    const listener = resources.listener(await new WsTransport().bind("ws://127.0.0.1:0/msg", () => {}));
    const error = await refusal(browser().connect(listener.localAddress.replace("/msg", "/other")));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
  });

  it("connectTimeout bounds the whole opening when the server never answers the upgrade", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer((socket) => resources.add(() => socket.destroy()));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    resources.add(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    const error = await refusal(browser({ connectTimeout: 300 }).connect(`ws://127.0.0.1:${port}/`));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect((error as Error).message).toContain("300 ms");
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("an AbortSignal aborts the connect with aborted", async () => {
    const listener = resources.listener(await new WsTransport().bind("ws://127.0.0.1:0/", () => {}));
    const controller = new AbortController();
    const pending = browser().connect(listener.localAddress, { signal: controller.signal });
    controller.abort();
    expect(isMsgError(await refusal(pending), ErrorCode.Aborted)).toBe(true);
    const early = await refusal(browser().connect(listener.localAddress, { signal: controller.signal }));
    expect(isMsgError(early, ErrorCode.Aborted)).toBe(true);
  });

  it("a message above the page's maxPayload fails the connection with frame_too_large; Node sees 4009", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      browser({ maxPayload: 1024 }),
      "ws://127.0.0.1:0/",
    );
    const atClient = new Reader(client);
    const atServer = new Reader(server);
    server.write(Buffer.alloc(2000, 1));
    const [clientError, serverError] = await Promise.all([closeErrorOf(atClient), closeErrorOf(atServer)]);
    expect(isMsgError(clientError, ErrorCode.FrameTooLarge)).toBe(true);
    expect(isMsgError(serverError, ErrorCode.ConnectionLost)).toBe(true);
    expect(serverError?.message).toContain("4009");
    expect(atClient.length).toBe(0);
  });

  it("a write above maxPayload goes out as several messages, reassembled by the Node peer", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      browser({ maxPayload: 1024 }),
      "ws://127.0.0.1:0/",
    );
    const atServer = new Reader(server);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, index) => index % 251));
    client.write(data);
    await atServer.until(() => atServer.length === data.length, "5000 bytes");
    expect(atServer.bytes().equals(data)).toBe(true);
    expect((client as WsConnection).stats()).toMatchObject({ bytesWritten: 5000, messagesWritten: 5 });
  });

  it("while paused, holds what arrives up to maxHeldBytes, then fails with high_water_mark_reached", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      browser({ maxHeldBytes: 10_000 }),
      "ws://127.0.0.1:0/",
    );
    const atClient = new Reader(client);
    client.pause();
    server.write(Buffer.alloc(6000, 1));
    server.write(Buffer.alloc(3000, 2));
    // Within the limit: both messages arrive (bytesRead counts them) and are held, not delivered.
    await waitFor(
      () => (client as WsConnection).stats().bytesRead === 9000,
      5000,
      "9000 bytes read while paused",
    );
    expect(atClient.length).toBe(0);
    expect(atClient.closed).toBe(false);
    client.resume();
    await atClient.untilLength(9000, 5000, "the held bytes");
    client.pause();
    server.write(Buffer.alloc(6000, 3));
    server.write(Buffer.alloc(6000, 4));
    const error = await closeErrorOf(atClient);
    expect(isMsgError(error, ErrorCode.HighWaterMarkReached)).toBe(true);
    expect(error?.message).toContain("maxHeldBytes");
  });

  it("write() returns false above highWaterMark; bufferedAmount is polled and onDrain follows", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      browser({ highWaterMark: 1024, drainPollInterval: 2 }),
      "ws://127.0.0.1:0/",
    );
    const atServer = new Reader(server, { keep: false });
    const atClient = new Reader(client, { keep: false });
    const chunk = Buffer.alloc(256 * 1024, 3);
    let written = 0;
    while (client.write(chunk)) {
      written += chunk.length;
      if (written > 64 * 1024 * 1024) throw new Error("write() never pushed back");
    }
    written += chunk.length;
    await atServer.until(() => atServer.length === written, `${written} bytes`, 20_000);
    await atClient.until(() => atClient.drains > 0, "onDrain", 5000);
    expect(atClient.drains).toBe(1);
  });

  it("destroy() closes at once and the Node peer sees connection_lost with code 4006", async () => {
    const { client, server } = await connectPair(
      resources,
      new WsTransport(),
      browser(),
      "ws://127.0.0.1:0/",
    );
    const atClient = new Reader(client);
    const atServer = new Reader(server);
    client.destroy();
    expect(await closeErrorOf(atClient)).toBeUndefined();
    const serverError = await closeErrorOf(atServer);
    expect(isMsgError(serverError, ErrorCode.ConnectionLost)).toBe(true);
    expect(serverError?.message).toContain("4006");
  });

  it("sends the protocol's close codes a page may not send as 4000 + (code - 1000)", () => {
    expect([1000, 1002, 1009, 3000, 4999, 1011].map(pageCloseCode)).toEqual([
      1000, 4002, 4009, 3000, 4999, 4011,
    ]);
  });
});

describe("browser ws transport options", () => {
  const bad: Record<string, readonly unknown[]> = {
    path: ["msg", "/a b", 42],
    connectTimeout: badTimer,
    maxPayload: [...notANumber, 0, -1, 1.5],
    highWaterMark: [...notANumber, -1, 0.5],
    drainPollInterval: [...notANumber, 0, 1.5],
    maxHeldBytes: [...notANumber, -1, 0.5],
    webSocket: ["WebSocket", {}],
    // The Node transports' options that a page cannot honour are refused by name, not ignored.
    handshakeTimeout: [1000],
    perMessageDeflate: [false],
    allowedOrigins: [[]],
    origin: ["https://app.example"],
    headers: [{}],
    ca: ["PEM"],
    rejectUnauthorized: [false],
  };
  it.each(badOptionCases(bad))(
    "refuses $option = $value with invalid_argument naming it",
    ({ option, value }) => {
      expect(optionRefusal((o: object) => new BrowserWsTransport(o), option, value).message).toContain(
        `\`${option}\``,
      );
    },
  );

  it("accepts the edges of every range, and undefined (the default)", () => {
    expect(
      () =>
        new BrowserWssTransport({
          path: "/a/b",
          connectTimeout: 2 ** 31 - 1,
          maxPayload: 1,
          highWaterMark: 0,
          drainPollInterval: 1,
          maxHeldBytes: 0,
          webSocket: platform,
        }),
    ).not.toThrow();
    expect(() => new BrowserWsTransport()).not.toThrow();
  });
});
