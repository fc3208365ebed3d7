// msg's sockets in headless Chromium against Node sockets over WebSocket: the page is bundled from the
// packages with esbuild (their `browser` entries), served on 127.0.0.1, and driven through
// `window.harness` (harness.ts). Node's Rep answers every request with its payload reversed.
import { fileURLToPath } from "node:url";
import type { MsgError } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { PubSocket, RepSocket, type RepSocketOptions } from "@msg/socket";
import { WsTransport, type WsTransportOptions } from "@msg/transport-ws";
import { createCompressor } from "@msg/wire";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundlePage } from "../bundle.js";
import { launchChromium } from "../chromium.js";
import { startExample } from "../example.js";
import { type PageServer, servePage } from "../page-server.js";
import type { Harness, PageError } from "./harness.js";

const WAIT_MS = 15_000;
const TOKEN = "page-token";

let browser: Browser;
let page: Page;
let pageServer: PageServer;
const servers: { close(): Promise<void> }[] = [];

/** A Node Rep on `address` answering each request with its payload reversed. */
async function startRep(address: string, options: RepSocketOptions = {}, transport: WsTransportOptions = {}) {
  const rep = new RepSocket(new WsTransport(transport), options);
  const bound = await rep.bind(address);
  const serving = (async () => {
    for await (const request of rep) request.respond(Uint8Array.from(request.payload).reverse());
  })();
  const server = {
    rep,
    address: bound,
    close: async () => {
      await rep.close();
      await serving;
    },
  };
  servers.push(server);
  return server;
}

/** Calls `harness[name](...args)` in the page, within WAIT_MS. */
function call<K extends keyof Harness>(
  name: K,
  ...args: Parameters<Harness[K]>
): Promise<Awaited<ReturnType<Harness[K]>>> {
  return withTimeout(
    page.evaluate(
      ([method, params]) =>
        (window as unknown as { harness: Record<string, (...a: unknown[]) => unknown> }).harness[method]!(
          ...params,
        ),
      [name, args] as const,
    ) as Promise<Awaited<ReturnType<Harness[K]>>>,
    WAIT_MS,
    `harness.${name} in the page`,
  );
}

/** The value of a call that must succeed (its page error otherwise, in the failure message). */
async function ok<T>(result: Promise<{ ok: T } | { error: PageError }>): Promise<T> {
  const settled = await result;
  if ("error" in settled) throw new Error(`the page failed: ${settled.error.code}: ${settled.error.message}`);
  return settled.ok;
}

/** The error of a call that must fail. */
async function failure(result: Promise<{ ok: unknown } | { error: PageError }>): Promise<PageError> {
  const settled = await result;
  if (!("error" in settled)) throw new Error("the page call succeeded where it should have failed");
  return settled.error;
}

beforeAll(async () => {
  const script = await bundlePage(fileURLToPath(new URL("./harness.ts", import.meta.url)));
  const html = `<!doctype html><meta charset="utf-8"><title>msg browser test</title><ol id="log"></ol><script type="module" src="/page.js"></script>`;
  pageServer = await servePage(html, script);
  browser = await launchChromium();
  page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(pageServer.url);
  await page
    .waitForFunction(() => "harness" in window, undefined, { timeout: WAIT_MS })
    .catch((error) => {
      throw new Error(`the harness did not load: ${pageErrors.join("; ") || error}`);
    });
});

afterAll(async () => {
  if (page) await call("closeAll").catch(() => {});
  await browser?.close();
  await pageServer?.close();
  await Promise.all(servers.map((server) => server.close()));
});

describe("msg in headless Chromium, against Node over WebSocket", () => {
  it("Req/Rep: requests of every size come back intact (the Rep reverses them)", async () => {
    const { address } = await startRep("ws://127.0.0.1:0/rpc");
    const req = await ok(call("req", address));
    // 0 bytes, one byte, a small message, one above 64 KiB, and 1 MiB (frames spanning many reads).
    for (const [size, seed] of [
      [0, 1],
      [1, 2],
      [100, 3],
      [70_000, 4],
      [1024 * 1024, 5],
    ] as const) {
      const outcome = await ok(call("request", req, size, seed));
      expect(outcome).toMatchObject({ intact: true, size });
    }
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ok(call("request", req, 1000 + i, 100 + i))),
    );
    expect(concurrent.every((outcome) => outcome.intact)).toBe(true);
  });

  it("frames spanning many WebSocket messages (maxPayload 1 KiB both ways) arrive intact", async () => {
    const { address } = await startRep("ws://127.0.0.1:0/small", {}, { maxPayload: 1024 });
    const req = await ok(call("req", address, { maxPayload: 1024 }));
    for (const [size, seed] of [
      [1000, 12],
      [70_000, 13],
    ] as const) {
      expect(await ok(call("request", req, size, seed))).toMatchObject({ intact: true, size });
    }
  });

  it("Pub/Sub: wildcard subscriptions receive exactly their topics, in order", async () => {
    const pub = new PubSocket(new WsTransport());
    servers.push({ close: () => pub.close() });
    const address = await pub.bind("ws://127.0.0.1:0/events");
    let subscribed = 0;
    const bothSubscribed = new Promise<void>((resolve) =>
      pub.on("subscribed", () => ++subscribed === 2 && resolve()),
    );
    const orders = await ok(call("sub", address, ["orders.*"]));
    const metrics = await ok(call("sub", address, ["metrics.>"]));
    await withTimeout(bothSubscribed, WAIT_MS, "both subscriptions at the publisher");
    const published: [string, string][] = [
      ["orders.created", "order 17"],
      ["audit.login", "for nobody"],
      ["metrics.cpu.load", "0.42"],
      ["orders.eu.created", "not one level"],
      ["orders.shipped", "order 17"],
      ["metrics.memory", "512 MiB"],
      ["metrics", "not below metrics"],
    ];
    for (const [topic, text] of published) await pub.publish(topic, text);
    expect(await ok(call("messages", orders, 2, WAIT_MS))).toEqual([
      { topic: "orders.created", text: "order 17" },
      { topic: "orders.shipped", text: "order 17" },
    ]);
    expect(await ok(call("messages", metrics, 2, WAIT_MS))).toEqual([
      { topic: "metrics.cpu.load", text: "0.42" },
      { topic: "metrics.memory", text: "512 MiB" },
    ]);
    // Nothing else was queued: a marker published last is the next message of each.
    await pub.publish("orders.marker", "last");
    await pub.publish("metrics.marker", "last");
    expect(await ok(call("messages", orders, 1, WAIT_MS))).toEqual([
      { topic: "orders.marker", text: "last" },
    ]);
    expect(await ok(call("messages", metrics, 1, WAIT_MS))).toEqual([
      { topic: "metrics.marker", text: "last" },
    ]);
  });

  it("survives a server restart: the page's Req reconnects and its requests succeed again", async () => {
    const first = await startRep("ws://127.0.0.1:0/restart");
    const req = await ok(call("req", first.address, { timeout: 10_000 }));
    expect(await ok(call("request", req, 64, 7))).toMatchObject({ intact: true });
    await first.close();
    // A request sent before the page has seen the close would honestly fail with connection_lost, so
    // the test waits for the page's Req to notice; requests made while it is down then wait for the
    // reconnect, and once the server is back on the same port they succeed.
    expect(await ok(call("disconnected", req, 1, WAIT_MS))).toBeGreaterThanOrEqual(1);
    const second = await startRep(first.address);
    expect(second.address).toBe(first.address);
    expect(await ok(call("request", req, 64, 8))).toMatchObject({ intact: true });
    expect(await ok(call("request", req, 4096, 9))).toMatchObject({ intact: true });
  });

  it("token auth: a wrong token is refused with auth_rejected in the page; the right one is served", async () => {
    const { address, rep } = await startRep("ws://127.0.0.1:0/auth", { authTokens: [TOKEN] });
    const refused = await failure(call("req", address, { authToken: "guessed" }));
    expect(refused.code).toBe("auth_rejected" satisfies MsgError["code"]);
    // The page shows it too (its log lists each call's outcome).
    expect(await page.textContent("#log")).toContain("auth_rejected");
    const req = await ok(call("req", address, { authToken: TOKEN }));
    expect(await ok(call("request", req, 256, 10))).toMatchObject({ intact: true });
    expect(rep.stats().connectionErrors.auth_rejected ?? 0).toBeGreaterThanOrEqual(1);
  });

  it("gzip both ways: the page compresses its requests, Node its replies; payloads intact", async () => {
    const size = 256 * 1024;
    const { address, rep } = await startRep("ws://127.0.0.1:0/gzip", {
      compressor: createCompressor("gzip"),
      minCompressSize: 0,
    });
    const req = await ok(call("req", address, { gzip: true }));
    const outcome = await ok(call("request", req, size, 11, true));
    expect(outcome).toMatchObject({ intact: true, size });
    // The text compresses more than 20-fold: both directions carried far less than the payload.
    expect(rep.stats().bytesRx).toBeLessThan(size / 20);
    expect(outcome.bytesTx).toBeLessThan(size / 20);
    expect(outcome.bytesRx).toBeLessThan(size / 20);
  });

  it("the example page (examples/browser) shows live prices.* messages from its Node publisher", async () => {
    const example = await startExample({ pagePort: 0, publisherPort: 0, intervalMs: 50 });
    servers.push(example);
    const examplePage = await browser.newPage();
    try {
      await examplePage.goto(example.pageUrl);
      await examplePage.waitForFunction(
        () => document.querySelectorAll("#messages tr").length >= 6,
        undefined,
        {
          timeout: WAIT_MS,
        },
      );
      const topics = await examplePage.$$eval("#messages tr td:nth-child(2)", (cells) =>
        cells.map((cell) => cell.textContent),
      );
      expect(topics.length).toBeGreaterThanOrEqual(6);
      expect(topics.every((topic) => /^prices\.(BTC|ETH|SOL)$/.test(topic ?? ""))).toBe(true);
      expect(await examplePage.textContent("#status")).toContain("connected to ws://127.0.0.1:");
    } finally {
      await examplePage.close();
    }
  });

  it("Origin checking applies to the page: refused unless the server allows the page's origin", async () => {
    const pageOrigin = new URL(pageServer.url).origin;
    const { address: allowing } = await startRep(
      "ws://127.0.0.1:0/allowed",
      {},
      { allowedOrigins: [pageOrigin] },
    );
    const { address: refusing } = await startRep(
      "ws://127.0.0.1:0/refused",
      {},
      { allowedOrigins: ["https://app.example"] },
    );
    expect(await ok(call("open", allowing))).toBe(allowing);
    // The browser does not tell the page about the 403: all it learns is that the socket did not open.
    const refused = await failure(call("open", refusing));
    expect(refused.code).toBe("connect_failed");
  });

  it("a page cannot listen (transport_unavailable); it compresses with gzip only (codec_unavailable)", async () => {
    const bind = await failure(call("bind"));
    expect(bind.code).toBe("transport_unavailable");
    expect(bind.message).toContain("a browser cannot listen");
    expect(await ok(call("compress", "gzip"))).toBeLessThan(100);
    for (const native of ["zstd", "snappy", "lz4"] as const) {
      expect((await failure(call("compress", native))).code).toBe("codec_unavailable");
    }
  });
});
