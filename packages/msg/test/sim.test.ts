import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type MsgProcess, useMsg } from "./support/msg-process.js";

const start = useMsg();

/** `msg ARGS` as a real process (killed after the test if still running). */
function msg(...args: string[]): MsgProcess {
  return start(args, { waitMs: 20_000 });
}

/** `msg sim proxy --json` on a free loopback port in front of `upstream`, with the given flags. */
function simProxy(upstream: unknown, ...flags: string[]): MsgProcess {
  return msg("sim", "proxy", "--listen", "127.0.0.1:0", "--upstream", String(upstream), ...flags, "--json");
}

describe("msg sim", () => {
  it("proxy: Req/Rep over TCP through latency and loss, then SIGTERM prints counters and exits 0", async () => {
    const rep = msg("rep", "--bind", "127.0.0.1:0", "--json");
    const { address: upstream } = await rep.next("ready");
    const proxy = simProxy(upstream, "--latency", "5", "--loss", "2", "--seed", "42");
    const ready = await proxy.next("ready");
    expect(ready).toMatchObject({ protocol: "tcp", seed: 42, upstream });
    expect(ready.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const req = msg(
      "req",
      "--connect",
      String(ready.address),
      "--count",
      "200",
      "--size",
      "2048",
      "--inflight",
      "4",
    );
    expect(await req.exited()).toBe(0);
    proxy.child.kill("SIGTERM");
    const done = await proxy.next("done");
    expect(await proxy.exited()).toBe(0);
    expect(done).toMatchObject({ protocol: "tcp", accepted: 1, upstreamFailed: 0 });
    const up = done.up as Record<string, number>;
    expect(up.bytes).toBeGreaterThan(200 * 2048);
    expect(up.lost).toBeGreaterThan(0);
    expect(up.meanDelayMs).toBeGreaterThanOrEqual(5);
    expect(Object.keys(up).sort()).toEqual(
      [
        "bytes",
        "corrupted",
        "duplicated",
        "lost",
        "meanDelayMs",
        "packets",
        "queueDrops",
        "reordered",
      ].sort(),
    );
  });

  it("proxy --udp: Req/Rep over QUIC through 5% loss and 20 ms latency completes every request", async () => {
    const rep = msg("rep", "--transport", "quic", "--bind", "127.0.0.1:0", "--json");
    const { address: upstream } = await rep.next("ready");
    const proxy = simProxy(upstream, "--udp", "--loss", "5", "--latency", "20");
    const { address } = await proxy.next("ready");
    const req = msg(
      "req",
      "--transport",
      "quic",
      "--connect",
      String(address),
      "--count",
      "40",
      "--size",
      "1000",
      "--inflight",
      "4",
      "--timeout",
      "15000",
      "--json",
    );
    expect(await req.next("done", 60_000)).toMatchObject({ sent: 40, received: 40, errors: {} });
    expect(await req.exited()).toBe(0);
    proxy.child.kill("SIGINT");
    const done = await proxy.next("done");
    expect(done).toMatchObject({ protocol: "udp", mappingsCreated: 1 });
    expect((done.up as { lost: number }).lost + (done.down as { lost: number }).lost).toBeGreaterThan(0);
  }, 90_000);

  it("proxy: Pub/Sub over TCP keeps order with no seq gaps", async () => {
    const pub = msg(
      "pub",
      "--bind",
      "127.0.0.1:0",
      "--topic",
      "t.a",
      "--count",
      "2000",
      "--wait-subscribers",
      "1",
      "--json",
    );
    const { address: upstream } = await pub.next("ready");
    const proxy = simProxy(upstream, "--latency", "3", "--jitter", "2", "--loss", "3");
    const { address } = await proxy.next("ready");
    const sub = msg("sub", "--connect", String(address), "--subscribe", "t.*", "--count", "2000", "--json");
    expect(await sub.next("done", 40_000)).toMatchObject({ received: 2000, gaps: 0, dropped: 0 });
    expect(await sub.exited()).toBe(0);
  }, 60_000);

  it.each([
    [["proxy", "--upstream", "127.0.0.1:1"], /--listen is required/],
    [["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--loss", "150"], /loss/],
    [["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--rate", "fast"], /rate "fast"/],
    [["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--direction", "left"], /--direction/],
    [["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--reorder", "10"], /reorder needs/],
    [["proxy", "--listen", "nowhere", "--upstream", "127.0.0.1:1"], /invalid address/],
    [["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--bogus"], /bogus/],
    [["serve", "--config", "/nonexistent/proxies.json"], /cannot read/],
    [["teleport"], /unknown command "sim teleport"/],
  ])("bad flags %j exit 2 with a clear message", async (args, message) => {
    const run = msg("sim", ...args);
    expect(await run.exited()).toBe(2);
    expect(run.stderr).toMatch(/^msg: invalid_(argument|address): /);
    expect(run.stderr).toMatch(message);
  });

  it("serve: the toxiproxy API with --config proxies, then SIGTERM exits 0", async () => {
    const echo = msg("rep", "--bind", "127.0.0.1:0", "--json");
    const { address: upstream } = await echo.next("ready");
    const config = join(mkdtempSync(join(tmpdir(), "msg-sim-")), "proxies.json");
    writeFileSync(config, JSON.stringify([{ name: "rep", listen: "127.0.0.1:0", upstream }]));
    const serve = msg("sim", "serve", "--api", "127.0.0.1:0", "--config", config, "--seed", "1", "--json");
    const ready = await serve.next("ready");
    expect(ready.api).toMatch(/^127\.0\.0\.1:\d+$/);
    const api = `http://${ready.api}`;
    const proxies = (await (await fetch(`${api}/proxies`)).json()) as Record<string, { listen: string }>;
    expect(Object.keys(proxies)).toEqual(["rep"]);
    const toxic = await fetch(`${api}/proxies/rep/toxics`, {
      method: "POST",
      body: JSON.stringify({ type: "latency", attributes: { latency: 10 } }),
    });
    expect(toxic.status).toBe(200);
    const req = msg("req", "--connect", proxies.rep!.listen, "--count", "20", "--json");
    const done = await req.next("done");
    expect(done).toMatchObject({ sent: 20, received: 20 });
    expect(done.elapsedMs as number).toBeGreaterThanOrEqual(20 * 10);
    serve.child.kill("SIGTERM");
    await serve.next("done");
    expect(await serve.exited()).toBe(0);
  });

  it("--help lists both commands, and each command's help its flags with their defaults", async () => {
    const group = msg("sim", "--help");
    expect(await group.exited()).toBe(0);
    expect(group.stdout).toContain("msg sim proxy");
    expect(group.stdout).toContain("msg sim serve");
    const proxy = msg("sim", "proxy", "--help");
    expect(await proxy.exited()).toBe(0);
    for (const flag of ["--listen", "--udp", "--distribution", "--rate", "--direction", "--seed"]) {
      expect(proxy.stdout).toContain(flag);
    }
    expect(proxy.stdout).toContain("(default: both)");
    const serve = msg("sim", "serve", "--help");
    expect(await serve.exited()).toBe(0);
    for (const flag of ["--api", "--config"]) expect(serve.stdout).toContain(flag);
    expect(serve.stdout).toContain("(default: 127.0.0.1:8474)");
  });
});
