import { readFileSync } from "node:fs";
import { withTimeout } from "@msg/core/testing";
import { Toxiproxy } from "toxiproxy-node-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProxyRegistry, SIM_VERSION, ToxiproxyApi } from "../src/index.js";
import { dial, echoServer, readBytes, readToClose } from "./proxy-helpers.js";

/**
 * The toxiproxy-compatible API, driven by toxiproxy-node-client (a real toxiproxy client from npm)
 * where the client covers the call, and by plain fetch where a status code or error body is the subject.
 */
describe("toxiproxy API", () => {
  let registry: ProxyRegistry;
  let api: ToxiproxyApi;
  let toxiproxy: Toxiproxy;
  let base: string;
  let echo: Awaited<ReturnType<typeof echoServer>>;

  beforeEach(async () => {
    registry = new ProxyRegistry({ seed: 7 });
    api = await ToxiproxyApi.listen("127.0.0.1:0", registry);
    base = `http://${api.address}`;
    toxiproxy = new Toxiproxy(base);
    echo = await echoServer();
  });
  afterEach(async () => {
    await api.close();
    await registry.close();
    await echo.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  };

  const echoThrough = async (address: string, text = "ping") => {
    const socket = await dial(address);
    socket.write(text);
    const reply = await readBytes(socket, text.length);
    socket.destroy();
    return reply.toString();
  };

  it("creates a proxy that reports its bound address and relays", async () => {
    const proxy = await toxiproxy.createProxy({
      name: "echo",
      listen: "127.0.0.1:0",
      upstream: echo.address,
    });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe("127.0.0.1:0");
    expect(proxy.enabled).toBe(true);
    expect(await echoThrough(proxy.listen)).toBe("ping");

    const all = await toxiproxy.getAll();
    expect(Object.keys(all)).toEqual(["echo"]);
    expect((await toxiproxy.get("echo")).listen).toBe(proxy.listen);
    expect(await call("GET", "/proxies/echo")).toEqual({
      status: 200,
      body: { name: "echo", listen: proxy.listen, upstream: echo.address, enabled: true, toxics: [] },
    });
    expect(JSON.parse(await toxiproxy.getVersion())).toEqual({ version: SIM_VERSION });
  });

  it("answers with toxiproxy's status codes and error bodies", async () => {
    const created = await call("POST", "/proxies", { name: "a", upstream: echo.address });
    expect(created.status).toBe(201);
    expect(created.body.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await call("POST", "/proxies", { name: "a", upstream: echo.address })).toEqual({
      status: 409,
      body: { error: "proxy already exists", status: 409 },
    });
    await expect(
      toxiproxy.createProxy({ name: "a", listen: "127.0.0.1:0", upstream: echo.address }),
    ).rejects.toThrow(/409/);
    expect(await call("POST", "/proxies", { upstream: echo.address })).toEqual({
      status: 400,
      body: { error: "missing required field: name", status: 400 },
    });
    expect((await call("POST", "/proxies", { name: "b" })).body.error).toBe(
      "missing required field: upstream",
    );
    const badJson = await call("POST", "/proxies", "{nope");
    expect(badJson.status).toBe(400);
    expect(badJson.body.error).toMatch(/^bad request body: /);
    expect((await call("POST", "/proxies", "")).body).toEqual({
      error: "bad request body: EOF",
      status: 400,
    });
    expect((await call("POST", "/proxies", { name: "c", upstream: "no-port" })).status).toBe(400);
    expect(await call("GET", "/proxies/missing")).toEqual({
      status: 404,
      body: { error: "proxy not found", status: 404 },
    });
    expect((await call("POST", "/proxies/a/toxics", { type: "latency", stream: "sideways" })).body).toEqual({
      error: "stream was invalid, can be either upstream or downstream",
      status: 400,
    });
    expect((await call("POST", "/proxies/a/toxics", { type: "teleport" })).body).toEqual({
      error: "invalid toxic type",
      status: 400,
    });
    expect(
      (await call("POST", "/proxies/a/toxics", { type: "latency", attributes: { latency: -1 } })).status,
    ).toBe(400);
    expect((await call("POST", "/proxies/a/toxics", { type: "latency" })).status).toBe(200);
    expect(await call("POST", "/proxies/a/toxics", { type: "latency" })).toEqual({
      status: 409,
      body: { error: "toxic already exists", status: 409 },
    });
    expect(await call("GET", "/proxies/a/toxics/nothing")).toEqual({
      status: 404,
      body: { error: "toxic not found", status: 404 },
    });
    expect((await call("GET", "/proxies", undefined, { "user-agent": "Mozilla/5.0" })).status).toBe(403);
    expect((await call("GET", "/nowhere")).status).toBe(404);
    expect((await call("DELETE", "/proxies/a")).status).toBe(204);
    expect(await call("GET", "/proxies")).toEqual({ status: 200, body: {} });
  });

  it("a disabled proxy closes its connections and refuses new ones; enabling listens on the same address", async () => {
    const proxy = await toxiproxy.createProxy({ name: "svc", listen: "127.0.0.1:0", upstream: echo.address });
    const open = await dial(proxy.listen);
    const closed = readToClose(open);
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: echo.address });
    expect(down.enabled).toBe(false);
    await closed;
    await expect(dial(proxy.listen)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const up = await down.update({ enabled: true, listen: proxy.listen, upstream: echo.address });
    expect(up.listen).toBe(proxy.listen);
    expect(await echoThrough(up.listen)).toBe("ping");
  });

  it("populate creates or replaces a list, keeping proxies that did not change", async () => {
    const first = await toxiproxy.populate([
      { name: "one", listen: "127.0.0.1:0", upstream: echo.address },
      { name: "two", listen: "127.0.0.1:0", upstream: echo.address, enabled: false },
    ]);
    expect(first.one!.enabled).toBe(true);
    expect(first.two!.enabled).toBe(false);
    await first.one!.addToxic({ type: "latency", attributes: { latency: 1, jitter: 0 } } as never);
    // Same listen and upstream: kept as it is, toxics included.
    const again = await call("POST", "/populate", [
      { name: "one", listen: first.one!.listen, upstream: echo.address },
    ]);
    expect(again.status).toBe(201);
    expect(again.body.proxies[0].toxics).toHaveLength(1);
    // A different upstream: replaced.
    const replaced = await call("POST", "/populate", [
      { name: "one", listen: first.one!.listen, upstream: echo.address.replace("127.0.0.1", "localhost") },
      { name: "three", upstream: echo.address },
    ]);
    expect(replaced.body.proxies.map((p: { name: string }) => p.name)).toEqual(["one", "three"]);
    expect(await call("POST", "/populate", [{ name: "four" }])).toEqual({
      status: 400,
      body: { error: "missing required field: upstream at proxy 1", status: 400, proxies: null },
    });
    expect(Object.keys(await toxiproxy.getAll()).sort()).toEqual(["one", "three", "two"]);
  });

  it("toxics take toxiproxy's defaults, update in place, and reset removes them all", async () => {
    const proxy = await toxiproxy.createProxy({ name: "t", listen: "127.0.0.1:0", upstream: echo.address });
    const toxic = await proxy.addToxic({ type: "latency", attributes: { latency: 40 } } as never);
    expect(toxic.toJson()).toEqual({
      name: "latency_downstream",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 40, jitter: 0 },
    });
    await proxy.addToxic({
      type: "bandwidth",
      stream: "upstream",
      name: "slow",
      attributes: { rate: 100 },
    } as never);
    // toxiproxy lists upstream toxics before downstream ones.
    expect((await call("GET", "/proxies/t/toxics")).body.map((t: { name: string }) => t.name)).toEqual([
      "slow",
      "latency_downstream",
    ]);
    const updated = await toxic.update({ attributes: { jitter: 5 }, toxicity: 0.5 } as never);
    expect(updated.toJson()).toMatchObject({ toxicity: 0.5, attributes: { latency: 40, jitter: 5 } });
    expect((await proxy.getToxic("latency_downstream")).attributes).toEqual({ latency: 40, jitter: 5 });
    await updated.remove();
    expect((await call("GET", "/proxies/t/toxics")).body).toHaveLength(1);

    await proxy.update({ enabled: false, listen: proxy.listen, upstream: echo.address });
    await toxiproxy.reset();
    const after = await call("GET", "/proxies/t");
    expect(after.body).toMatchObject({ enabled: true, toxics: [] });
  });

  describe("what a client of the proxy sees", () => {
    const proxyWith = async (toxic: object) => {
      const proxy = await toxiproxy.createProxy({ name: "p", listen: "127.0.0.1:0", upstream: echo.address });
      await proxy.addToxic(toxic as never);
      return proxy.listen;
    };

    it("latency delays the echo by at least the configured time", async () => {
      const address = await proxyWith({ type: "latency", attributes: { latency: 120 } });
      const socket = await dial(address);
      const started = performance.now();
      socket.write("x");
      await readBytes(socket, 1);
      const elapsed = performance.now() - started;
      socket.destroy();
      expect(elapsed).toBeGreaterThanOrEqual(118);
      expect(elapsed).toBeLessThan(1500);
    });

    it("reset_peer resets the connection", async () => {
      const address = await proxyWith({ type: "reset_peer", attributes: { timeout: 0 } });
      const socket = await dial(address);
      const result = readToClose(socket);
      socket.write("hello");
      expect((await result).error?.code).toBe("ECONNRESET");
    });

    it("timeout 0 is a black hole that keeps the connection open until removed; with a timeout it closes", async () => {
      const blackHole = await proxyWith({ type: "timeout", attributes: { timeout: 0 } });
      const socket = await dial(blackHole);
      let received = 0;
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.write("anyone there?");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toBe(0);
      expect(socket.destroyed).toBe(false);
      // Lifting the black hole closes the connections it held (the swallowed bytes leave a hole).
      const closed = readToClose(socket);
      await toxiproxy.reset();
      expect((await closed).data.length).toBe(0);

      await (await toxiproxy.get("p")).addToxic({
        type: "timeout",
        name: "t2",
        attributes: { timeout: 150 },
      } as never);
      const timed = await dial(blackHole);
      const started = performance.now();
      const result = await readToClose(timed, 5000);
      expect(result.data.length).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it("limit_data closes the connection after the given bytes", async () => {
      const address = await proxyWith({ type: "limit_data", attributes: { bytes: 1000 } });
      const socket = await dial(address);
      const result = readToClose(socket);
      socket.write(Buffer.alloc(5000, 7));
      const { data } = await result;
      expect(data.length).toBe(1000);
    });

    it("slicer cuts the stream into small pieces, every byte intact", async () => {
      const address = await proxyWith({
        type: "slicer",
        attributes: { average_size: 20, size_variation: 10, delay: 2000 },
      });
      const socket = await dial(address);
      const payload = Buffer.from(Array.from({ length: 600 }, (_, i) => i % 251));
      let chunks = 0;
      socket.on("data", () => chunks++);
      socket.write(payload);
      expect((await readBytes(socket, payload.length)).equals(payload)).toBe(true);
      socket.destroy();
      expect(chunks).toBeGreaterThan(5);
    });

    it("slow_close holds the close back", async () => {
      const address = await proxyWith({ type: "slow_close", attributes: { delay: 250 } });
      const socket = await dial(address);
      const result = readToClose(socket);
      const started = performance.now();
      socket.end("bye");
      const { data } = await result;
      expect(data.toString()).toBe("bye");
      expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    });

    it("toxicity decides per connection which ones get the toxic", async () => {
      const address = await proxyWith({ type: "reset_peer", toxicity: 0.5, attributes: { timeout: 0 } });
      let reset = 0;
      let echoed = 0;
      for (let i = 0; i < 24; i++) {
        const socket = await dial(address);
        const result = readToClose(socket);
        socket.end("x");
        const { data, error } = await result;
        if (error?.code === "ECONNRESET") reset++;
        else if (data.toString() === "x") echoed++;
      }
      expect(reset + echoed).toBe(24);
      expect(reset).toBeGreaterThan(0);
      expect(echoed).toBeGreaterThan(0);
    });
  });

  it("reports the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(SIM_VERSION).toBe(pkg.version);
  });

  it("a udp proxy takes netem toxics and refuses stream faults", async () => {
    const created = await call("POST", "/proxies", { name: "u", upstream: "127.0.0.1:9", protocol: "udp" });
    expect(created).toMatchObject({ status: 201, body: { protocol: "udp", enabled: true } });
    const netem = await call("POST", "/proxies/u/toxics", {
      type: "netem",
      stream: "upstream",
      attributes: { loss: 5, latencyMs: 10 },
    });
    expect(netem).toMatchObject({ status: 200, body: { name: "netem_upstream", attributes: { loss: 5 } } });
    expect((await call("POST", "/proxies/u/toxics", { type: "slicer" })).status).toBe(400);
    expect(
      (await call("POST", "/proxies/u/toxics", { type: "netem", name: "n2", attributes: { lossy: 1 } }))
        .status,
    ).toBe(400);
    await withTimeout(call("DELETE", "/proxies/u"), 5000, "delete");
  });
});
