// msg-rs linkem's own tests, ported to the in-process emulator. Wall-clock assertions here have
// margins for a busy CI machine; precise fidelity figures come from scripts/fidelity.ts.
import { ErrorCode, isMsgError } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { link, Network } from "../src/index.js";
import { reqRep, timeRequest, useCleanup } from "./sockets-helpers.js";

describe("linkem's tests, ported", () => {
  const track = useCleanup();

  it("creates a network and adds peers with distinct names and addresses", () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    expect(net.peers.map((peer) => peer.name)).toEqual(["a", "b"]);
    expect(a.address(5555)).toBe("a:5555");
    expect(net.peer("b")).toBe(b);
    expect(() => net.addPeer("a")).toThrow(/already exists/);
    expect(() => net.addPeer("bad:name")).toThrow(/invalid peer name/);
    expect(() => net.applyImpairment(link("a", "c"), {})).toThrow(/no peer named "c"/);
    expect(() => net.applyImpairment(link(a, b), { loss: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it("Req/Rep across peers", async () => {
    const net = new Network({ seed: 1 });
    const { req } = await reqRep(track, net.addPeer("a"), net.addPeer("b"));
    const reply = await withTimeout(req.request("ping"), 5000, "reply");
    expect(Buffer.from(reply).toString()).toBe("ping");
  });

  it("1 s delay: a 500 ms wait fails with timeout, a longer one succeeds", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const { req } = await reqRep(track, a, b);
    net.applyImpairment(link(a, b), { latencyMs: 1000 });
    const error = await req.request("hurry", { timeout: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMsgError(error, ErrorCode.Timeout)).toBe(true);
    const elapsed = await timeRequest(req);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
  });

  it("per-destination impairments: 100 ms to one peer, 500 ms to another; RTT to the second > 2× the first", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const near = net.addPeer("near");
    const far = net.addPeer("far");
    net.applyImpairment(link(a, near), { latencyMs: 100 });
    net.applyImpairment(link(a, far), { latencyMs: 500 });
    const toNear = await reqRep(track, a, near);
    const toFar = await reqRep(track, a, far);
    const [rttNear, rttFar] = await Promise.all([timeRequest(toNear.req), timeRequest(toFar.req)]);
    expect(rttNear).toBeGreaterThanOrEqual(100);
    expect(rttFar).toBeGreaterThan(2 * rttNear);
  });

  it("1 Mbit/s: a 125 KB request takes about 1 s (the first 15.6 KB burst goes at once)", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const { req } = await reqRep(track, a, b);
    net.applyImpairment(link(a, b), { rateBitsPerSec: 1e6 });
    const elapsed = await timeRequest(req, 125_000);
    // (125000 + framing − 15625 burst) bytes at 125000 B/s = 0.875 s.
    expect(elapsed).toBeGreaterThanOrEqual(850);
    expect(elapsed).toBeLessThan(2500);
  });

  it("bandwidth plus latency: 1 Mbit/s and 100 ms each way add up", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const { req } = await reqRep(track, a, b);
    net.applyImpairment(link(a, b), { rateBitsPerSec: 1e6, latencyMs: 100 });
    net.applyImpairment(link(b, a), { latencyMs: 100 });
    const elapsed = await timeRequest(req, 125_000);
    expect(elapsed).toBeGreaterThanOrEqual(850 + 200);
    expect(elapsed).toBeLessThan(3000);
  });

  it("replacement: 100 ms, then 200 ms, then 50 ms with 10 Mbit/s; each replaces the last", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const { req } = await reqRep(track, a, b);
    const ab = link(a, b);
    net.applyImpairment(ab, { latencyMs: 100 });
    const first = await timeRequest(req);
    net.applyImpairment(ab, { latencyMs: 200 });
    const second = await timeRequest(req);
    net.applyImpairment(ab, { latencyMs: 50, rateBitsPerSec: 10e6 });
    const third = await timeRequest(req);
    expect(first).toBeGreaterThanOrEqual(100);
    expect(second).toBeGreaterThanOrEqual(200);
    expect(third).toBeGreaterThanOrEqual(50);
    expect(third).toBeLessThan(second);
    expect(first).toBeLessThan(second);
    net.clearImpairment(ab);
    expect(await timeRequest(req)).toBeLessThan(second);
  });

  it("bidirectional: 100 ms each way makes a round trip of at least 200 ms", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const { req } = await reqRep(track, a, b);
    net.applyImpairment(link(a, b), { latencyMs: 100 });
    net.applyImpairment(link(b, a), { latencyMs: 100 });
    const elapsed = await timeRequest(req);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1000);
  });

  it("custom burst: a 200 KB bucket lets a 125 KB request through at once where the default takes ~0.9 s", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    const c = net.addPeer("c");
    net.applyImpairment(link(a, b), { rateBitsPerSec: 1e6, burstBytes: 200_000, queueLatencyMs: 1000 });
    net.applyImpairment(link(a, c), { rateBitsPerSec: 1e6 });
    const bursty = await reqRep(track, a, b);
    const plain = await reqRep(track, a, c);
    const [fast, slow] = await Promise.all([
      timeRequest(bursty.req, 125_000),
      timeRequest(plain.req, 125_000),
    ]);
    expect(slow).toBeGreaterThanOrEqual(850);
    expect(fast).toBeLessThan(slow / 2);
  });

  it("100 % duplication on datagrams: each arrives exactly twice", async () => {
    const net = new Network({ seed: 1 });
    const a = net.addPeer("a");
    const b = net.addPeer("b");
    net.applyImpairment(link(a, b), { duplicate: 100, latencyMs: 5 });
    const counts = new Map<number, number>();
    let received = 0;
    const done = new Promise<void>((resolve) => {
      const endpoint = b.bindDatagram(9000, (packet) => {
        const seq = new DataView(packet.buffer, packet.byteOffset).getUint32(0);
        counts.set(seq, (counts.get(seq) ?? 0) + 1);
        if (++received === 200) resolve();
      });
      track(endpoint);
    });
    const sender = track(a.bindDatagram(0, () => {}));
    for (let seq = 0; seq < 100; seq++) {
      const packet = new Uint8Array(8);
      new DataView(packet.buffer).setUint32(0, seq);
      sender.send(packet, b.address(9000));
    }
    await withTimeout(done, 5000, "200 datagrams");
    expect(counts.size).toBe(100);
    expect([...counts.values()].every((count) => count === 2)).toBe(true);
    expect(net.stats(link(a, b)).duplicated).toBe(100);
  });

  it("two networks in one process do not interfere", async () => {
    const slow = new Network({ seed: 1 });
    const fast = new Network({ seed: 1 });
    const slowPair = [slow.addPeer("a"), slow.addPeer("b")] as const;
    const fastPair = [fast.addPeer("a"), fast.addPeer("b")] as const;
    slow.applyImpairment(link("a", "b"), { latencyMs: 300 });
    // The same names and the same port in both networks.
    const viaSlow = await reqRep(track, ...slowPair);
    const viaFast = await reqRep(track, ...fastPair);
    expect(viaSlow.address).toBe(viaFast.address);
    const [slowRtt, fastRtt] = await Promise.all([timeRequest(viaSlow.req), timeRequest(viaFast.req)]);
    expect(slowRtt).toBeGreaterThanOrEqual(300);
    // Margins for a busy CI machine: the unimpaired network is far faster, not a given number.
    expect(fastRtt).toBeLessThan(slowRtt / 2);
    expect(fast.stats(link("a", "b")).meanDelayMs).toBeLessThan(50);
    expect(slow.stats(link("a", "b")).meanDelayMs).toBeGreaterThanOrEqual(300);
  });
});
