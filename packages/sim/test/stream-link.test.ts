import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { MAX_RETRANSMITS } from "../src/index.js";
import { payload, streamRig } from "./helpers.js";

describe("StreamLink: stream semantics", () => {
  it("a perfect link passes chunks whole, in order, on the next turn (never inside write)", () => {
    const rig = streamRig({});
    expect(rig.link.write(Buffer.from("abc"))).toBe(true);
    rig.link.write(Buffer.from("def"));
    expect(rig.chunks).toHaveLength(0);
    rig.scheduler.advance(0);
    expect(rig.chunks.map((c) => Buffer.from(c.chunk).toString())).toEqual(["abc", "def"]);
  });

  it("passThrough delivers inside write() on a perfect, idle link, and never overtakes data in flight", () => {
    const rig = streamRig({ impairment: { latencyMs: 10 }, passThrough: true });
    rig.link.write(Buffer.from("delayed"));
    rig.link.setImpairment({});
    rig.link.write(Buffer.from("behind"));
    expect(rig.chunks).toHaveLength(0);
    rig.scheduler.advance(10);
    expect(rig.received().toString()).toBe("delayedbehind");
    rig.link.write(Buffer.from("!"));
    expect(rig.received().toString()).toBe("delayedbehind!");
    expect(rig.link.stats.packets).toBe(3);
  });

  it("cuts writes into MSS segments, delays each, and never lets one overtake another", () => {
    const rig = streamRig({ impairment: { latencyMs: 50, jitterMs: 20 }, mss: 100 });
    const data = payload(10_000);
    rig.link.write(data);
    rig.scheduler.runAll();
    expect(rig.chunks).toHaveLength(100);
    expect(rig.received().equals(data)).toBe(true);
    const times = rig.chunks.map((c) => c.at);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    // Each delivery is max(drawn, previous): the drawn delays vary, the delivery times only go up.
    expect(new Set(rig.trace.map((d) => d.delayMs)).size).toBeGreaterThan(50);
  });

  it("loss and corruption become retransmission delays: every byte arrives intact, later", () => {
    const rig = streamRig({ impairment: { latencyMs: 10, loss: 10, corrupt: 5 }, mss: 100 });
    const data = payload(100_000);
    rig.link.write(data);
    rig.scheduler.runAll();
    expect(rig.received().equals(data)).toBe(true);
    const stats = rig.link.stats;
    expect(stats.lost).toBeGreaterThan(50);
    expect(stats.corrupted).toBeGreaterThan(20);
    expect(stats.retransmits).toBe(stats.lost + stats.corrupted);
    // RTO = max(200, 2 × (10 + 0)) = 200 ms; the first retransmitted segment arrives 200 ms late.
    const first = rig.trace.find((d) => d.retransmits === 1)!;
    expect(first.deliverAtMs! - first.sentAtMs).toBeGreaterThanOrEqual(210);
    expect(rig.trace.every((d) => d.outcome === "delivered")).toBe(true);
  });

  it("the retransmission timeout doubles for consecutive losses of one segment: RTO = max(200, 2 × (latency + jitter))", () => {
    const rig = streamRig({ impairment: { latencyMs: 150, jitterMs: 50, loss: 60 }, mss: 1000 }, 5);
    rig.link.write(payload(200_000));
    rig.scheduler.runAll();
    const rto = 400;
    for (const decision of rig.trace) {
      const waited = rto * (2 ** decision.retransmits - 1);
      expect(decision.deliverAtMs! - decision.sentAtMs).toBeGreaterThanOrEqual(
        waited + decision.delayMs - 1e-9,
      );
    }
    expect(rig.trace.some((d) => d.retransmits >= 3)).toBe(true);
  });

  it(`gives up and resets after ${MAX_RETRANSMITS} losses of one segment, as TCP does`, () => {
    const rig = streamRig({ impairment: { loss: 100 } });
    rig.link.write(Buffer.from("into the void"));
    expect(rig.events).toHaveLength(0);
    rig.scheduler.runAll();
    expect(rig.events.map((e) => e.type)).toEqual(["reset"]);
    expect(isMsgError(rig.events[0]!.error, ErrorCode.ConnectionLost)).toBe(true);
    expect(rig.link.write(Buffer.from("more"))).toBe(false);
  });

  it("duplicates and reordering are invisible on a stream (counted only)", () => {
    const rig = streamRig({
      impairment: { latencyMs: 20, jitterMs: 10, duplicate: 50, reorder: 30 },
      mss: 100,
    });
    const data = payload(20_000);
    rig.link.write(data);
    rig.scheduler.runAll();
    expect(rig.received().equals(data)).toBe(true);
    expect(rig.link.stats.duplicated).toBeGreaterThan(50);
    expect(rig.link.stats.reordered).toBeGreaterThan(20);
  });

  it("rate shaping serialises segments: 5 MB at 10 Mbit/s takes 5 MB / rate within 5 %", () => {
    const rig = streamRig({ impairment: { rateBitsPerSec: 10e6 } });
    let drains = 0;
    const total = 5_000_000;
    const chunk = payload(64 * 1024);
    let written = 0;
    // A writer that honours backpressure, as sockets do.
    const pump = () => {
      while (written < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - written));
        written += piece.length;
        if (!rig.link.write(piece)) return;
      }
    };
    const originalDrainCount = () => rig.events.filter((e) => e.type === "drain").length;
    pump();
    while (written < total || rig.link.stats.queueBytes > 0) {
      rig.scheduler.advance(1);
      if (originalDrainCount() > drains) {
        drains = originalDrainCount();
        pump();
      }
    }
    expect(rig.link.stats.bytes).toBe(total);
    const last = rig.chunks.at(-1)!.at;
    const expected = ((total - 156_250) * 8 * 1000) / 10e6;
    expect(Math.abs(last - expected) / expected).toBeLessThan(0.05);
    expect(drains).toBeGreaterThan(5);
    // The link holds at most the TBF queue (1.25 MB/s × 200 ms + burst 156250 B), the burst that just
    // left the bucket and is still on its way, and the one chunk written past the limit.
    expect(rig.link.stats.peakQueueBytes).toBeLessThanOrEqual(250_000 + 2 * 156_250 + 64 * 1024);
  });
});

describe("StreamLink: backpressure", () => {
  it("write() returns false beyond queueLimitPackets segments, accepts the chunk anyway, and drains", () => {
    const rig = streamRig({ impairment: { latencyMs: 10, queueLimitPackets: 10 }, mss: 100 });
    expect(rig.link.write(payload(500))).toBe(true);
    expect(rig.link.write(payload(600))).toBe(false);
    expect(rig.link.stats.queueBytes).toBe(1100);
    expect(rig.link.stats.backpressure).toBe(1);
    rig.scheduler.advance(10);
    expect(rig.events.map((e) => e.type)).toEqual(["drain"]);
    expect(rig.link.stats.bytes).toBe(1100);
  });

  it("a perfect link counts chunks in MSS-sized segments for the limit", () => {
    const rig = streamRig({ impairment: { queueLimitPackets: 4 }, mss: 1000 });
    expect(rig.link.write(new Uint8Array(3000))).toBe(true);
    expect(rig.link.write(new Uint8Array(1))).toBe(false);
  });
});

describe("StreamLink: raw mode", () => {
  it("really removes lost segments and flips bits in corrupted ones", () => {
    const rig = streamRig({ impairment: { loss: 10, corrupt: 10 }, mode: "raw", mss: 100 });
    const data = payload(100_000);
    rig.link.write(data);
    rig.scheduler.runAll();
    const got = rig.received();
    const { lost, corrupted } = rig.link.stats;
    expect(lost).toBeGreaterThan(50);
    expect(corrupted).toBeGreaterThan(50);
    expect(got.length).toBe(data.length - lost * 100);
    expect(rig.link.stats.retransmits).toBe(0);
  });

  it("delivers duplicates twice", () => {
    const rig = streamRig({ impairment: { duplicate: 100 }, mode: "raw" });
    rig.link.write(Buffer.from("ab"));
    rig.scheduler.runAll();
    expect(rig.received().toString()).toBe("abab");
  });
});

describe("StreamLink: close and faults", () => {
  it("end() closes after the data, one latency later at the earliest; slowClose delays it", () => {
    const rig = streamRig({ impairment: { latencyMs: 30 }, faults: { slowCloseMs: 100 } });
    rig.link.write(Buffer.from("bye"));
    rig.link.end();
    expect(rig.link.write(Buffer.from("late"))).toBe(false);
    rig.scheduler.runAll();
    expect(rig.chunks.map((c) => c.at)).toEqual([30]);
    expect(rig.events).toEqual([{ type: "end", at: 130 }]);
  });

  it("slicer cuts writes into averageSize ± sizeVariation chunks, delayUs apart", () => {
    const rig = streamRig({ faults: { slicer: { averageSize: 10, sizeVariation: 3, delayUs: 500 } } });
    const data = payload(1000);
    rig.link.write(data);
    rig.scheduler.runAll();
    expect(rig.received().equals(data)).toBe(true);
    const sizes = rig.chunks.map((c) => c.chunk.length);
    expect(sizes.slice(0, -1).every((size) => size >= 7 && size <= 13)).toBe(true);
    for (let i = 1; i < rig.chunks.length; i++)
      expect(rig.chunks[i]!.at - rig.chunks[i - 1]!.at).toBeCloseTo(0.5, 9);
  });

  it("timeout is a black hole: data is dropped and counted, the connection resets after ms", () => {
    const rig = streamRig({});
    rig.link.setFaults({ timeout: { ms: 1000 } });
    expect(rig.link.write(Buffer.from("lost"))).toBe(true);
    rig.scheduler.advance(999);
    expect(rig.chunks).toHaveLength(0);
    expect(rig.events).toHaveLength(0);
    rig.scheduler.advance(1);
    expect(rig.events.map((e) => [e.type, e.at])).toEqual([["reset", 1000]]);
    expect(rig.link.stats.blackholedBytes).toBe(4);
  });

  it("timeout 0 drops data until the fault is removed, and never closes", () => {
    const rig = streamRig({ faults: { timeout: { ms: 0 } } });
    rig.link.write(Buffer.from("dropped"));
    rig.scheduler.advance(60_000);
    rig.link.setFaults({});
    rig.link.write(Buffer.from("kept"));
    rig.scheduler.runAll();
    expect(rig.received().toString()).toBe("kept");
    expect(rig.events).toHaveLength(0);
  });

  it("resetPeer resets after its delay, cancelling what is in flight", () => {
    const rig = streamRig({ impairment: { latencyMs: 100 }, faults: { resetPeerMs: 50 } });
    rig.link.write(Buffer.from("never"));
    rig.scheduler.runAll();
    expect(rig.chunks).toHaveLength(0);
    expect(rig.events.map((e) => [e.type, e.at])).toEqual([["reset", 50]]);
    expect(rig.events[0]!.error?.message).toMatch(/resetPeer/);
  });

  it("resetPeer 0 resets at once: a write right after the fault is set is refused, not delivered", () => {
    const rig = streamRig({ faults: { timeout: { ms: 0 } } });
    rig.link.write(Buffer.from("swallowed"));
    rig.link.setFaults({ resetPeerMs: 0 });
    expect(rig.link.write(Buffer.from("after"))).toBe(false);
    rig.scheduler.runAll();
    expect(rig.chunks).toHaveLength(0);
    expect(rig.events.map((e) => [e.type, e.at])).toEqual([["reset", 0]]);
  });

  it("limitData forwards exactly N bytes, then resets", () => {
    const rig = streamRig({ faults: { limitDataBytes: 10 } });
    rig.link.write(Buffer.from("0123456"));
    rig.link.write(Buffer.from("789abcdef"));
    expect(rig.link.write(Buffer.from("more"))).toBe(false);
    rig.scheduler.runAll();
    expect(rig.received().toString()).toBe("0123456789");
    expect(rig.events.map((e) => e.type)).toEqual(["reset"]);
    expect(rig.events[0]!.error?.message).toMatch(/limitData/);
  });

  it("a partition parks writes (backpressure applies) and sends them after heal, in order", () => {
    const rig = streamRig({ impairment: { latencyMs: 5, queueLimitPackets: 3 }, mss: 10 });
    rig.link.setPartitioned(true);
    expect(rig.link.write(Buffer.from("0123456789"))).toBe(true);
    expect(rig.link.write(Buffer.from("abcdefghijklmnopqrst"))).toBe(false);
    rig.scheduler.advance(1000);
    expect(rig.chunks).toHaveLength(0);
    rig.link.setPartitioned(false);
    rig.scheduler.runAll();
    expect(rig.received().toString()).toBe("0123456789abcdefghijklmnopqrst");
    expect(rig.chunks[0]!.at).toBe(1005);
    expect(rig.events.map((e) => e.type)).toEqual(["drain"]);
  });

  it("destroy() cancels everything: no callback afterwards", () => {
    const rig = streamRig({ impairment: { latencyMs: 10 }, faults: { resetPeerMs: 20 } });
    rig.link.write(Buffer.from("x"));
    rig.link.end();
    rig.link.destroy();
    rig.scheduler.runAll();
    expect(rig.chunks).toHaveLength(0);
    expect(rig.events).toHaveLength(0);
    expect(rig.link.closed).toBe(true);
  });

  it("setImpairment applies to data written after the call; order is still kept", () => {
    const rig = streamRig({ impairment: { latencyMs: 100 } });
    rig.link.write(Buffer.from("slow"));
    rig.link.setImpairment({ latencyMs: 10 });
    rig.link.write(Buffer.from("fast"));
    rig.scheduler.runAll();
    expect(rig.chunks.map((c) => [Buffer.from(c.chunk).toString(), c.at])).toEqual([
      ["slow", 100],
      ["fast", 100],
    ]);
    expect(() => rig.link.setImpairment({ loss: 200 })).toThrow(/loss/);
  });
});

describe("StreamLink: determinism", () => {
  it("the same seed and writes give the same trace, whatever the other links do", () => {
    const impairment = { latencyMs: 40, jitterMs: 10, loss: 3, corrupt: 1, duplicate: 1 };
    const traceOf = (seed: number, extra: boolean) => {
      const rig = streamRig({ impairment, mss: 500 }, seed);
      if (extra) {
        // Traffic on another link with the same seed does not move this link's draws.
        const other = streamRig({ impairment, mss: 500 }, seed + 1000);
        other.link.write(payload(50_000));
        other.scheduler.runAll();
      }
      rig.link.write(payload(50_000));
      rig.scheduler.runAll();
      return rig.trace;
    };
    expect(traceOf(9, false)).toEqual(traceOf(9, true));
    expect(traceOf(9, false)).not.toEqual(traceOf(10, false));
  });
});
