import { describe, expect, it } from "vitest";
import type { Impairment } from "../src/index.js";
import { datagramRig, mean, stddev } from "./helpers.js";

/** Sends `count` 100-byte packets 1 ms apart and runs the clock out. */
function run(impairment: Impairment, count: number, seed = 1, size = 100) {
  const rig = datagramRig(impairment, seed);
  const sentAt: number[] = [];
  for (let i = 0; i < count; i++) {
    const packet = new Uint8Array(size);
    new DataView(packet.buffer).setUint32(0, i);
    sentAt.push(rig.scheduler.now());
    rig.link.send(packet);
    rig.scheduler.advance(1);
  }
  rig.scheduler.runAll();
  const delays = rig.arrivals.map(({ packet, at }) => at - sentAt[new DataView(packet.buffer).getUint32(0)]!);
  return { ...rig, delays };
}

describe("DatagramLink: delay", () => {
  it("a perfect link delivers every packet, unchanged, with no added delay", () => {
    const { arrivals, delays, link } = run({}, 1000);
    expect(arrivals).toHaveLength(1000);
    expect(Math.max(...delays)).toBe(0);
    expect(link.stats.packets).toBe(1000);
    expect(link.stats.bytes).toBe(100_000);
  });

  it("passThrough delivers inside send() on a perfect link, in the order the scheduler would, and counts as before", () => {
    const rig = datagramRig({ latencyMs: 10 }, 1, { passThrough: true });
    rig.link.send(new Uint8Array([1]));
    rig.link.setImpairment({});
    // Datagrams keep no order: the undelayed one overtakes the one still held, with or without passThrough.
    rig.link.send(new Uint8Array([2]));
    expect(rig.arrivals.map(({ packet }) => packet[0])).toEqual([2]);
    rig.scheduler.advance(10);
    expect(rig.arrivals.map(({ packet }) => packet[0])).toEqual([2, 1]);
    rig.link.send(new Uint8Array([3]));
    expect(rig.arrivals.map(({ packet }) => packet[0])).toEqual([2, 1, 3]);
    expect(rig.link.stats).toMatchObject({ packets: 3, bytes: 3, queueBytes: 0 });
    expect(rig.trace.map((d) => d.outcome)).toEqual(["delivered", "delivered", "delivered"]);
    rig.link.setPartitioned(true);
    rig.link.send(new Uint8Array([4]));
    rig.link.setPartitioned(false);
    rig.link.close();
    rig.link.send(new Uint8Array([5]));
    expect(rig.arrivals).toHaveLength(3);
    expect(rig.link.stats.blackholedBytes).toBe(1);
  });

  it("uniform jitter: mean = latency within 1 %, values within latency ± jitter, sd = jitter/√3 within 10 %", () => {
    const { delays } = run({ latencyMs: 50, jitterMs: 10 }, 20_000);
    expect(Math.abs(mean(delays) - 50) / 50).toBeLessThan(0.01);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...delays)).toBeLessThanOrEqual(60);
    expect(Math.abs(stddev(delays) - 10 / Math.sqrt(3)) / (10 / Math.sqrt(3))).toBeLessThan(0.1);
  });

  it("normal jitter: mean within 1 %, sd = jitter within 10 %", () => {
    const { delays } = run({ latencyMs: 100, jitterMs: 10, distribution: "normal" }, 20_000);
    expect(Math.abs(mean(delays) - 100) / 100).toBeLessThan(0.01);
    expect(Math.abs(stddev(delays) - 10) / 10).toBeLessThan(0.1);
  });

  it("pareto and paretonormal: mean = latency, sd = jitter, both within 10 %; pareto's tail is long on the right", () => {
    for (const distribution of ["pareto", "paretonormal"] as const) {
      const { delays } = run({ latencyMs: 100, jitterMs: 10, distribution }, 20_000);
      expect(Math.abs(mean(delays) - 100) / 100).toBeLessThan(0.02);
      expect(Math.abs(stddev(delays) - 10) / 10).toBeLessThan(0.1);
    }
    const { delays } = run({ latencyMs: 100, jitterMs: 10, distribution: "pareto" }, 20_000);
    expect(Math.max(...delays) - 100).toBeGreaterThan(3 * (100 - Math.min(...delays)));
  });

  it("delay correlation makes consecutive delays alike and keeps their distribution", () => {
    const lagOne = (values: number[]) => {
      const m = mean(values);
      let num = 0;
      let den = 0;
      for (let i = 0; i < values.length; i++) {
        den += (values[i]! - m) ** 2;
        if (i > 0) num += (values[i]! - m) * (values[i - 1]! - m);
      }
      return num / den;
    };
    const independent = run({ latencyMs: 50, jitterMs: 20, reorder: 0 }, 5000).delays;
    const correlated = run({ latencyMs: 50, jitterMs: 20, delayCorrelation: 75 }, 5000).trace.map(
      (d) => d.delayMs,
    );
    expect(Math.abs(lagOne(independent))).toBeLessThan(0.05);
    expect(lagOne(correlated)).toBeGreaterThan(0.6);
    expect(Math.abs(mean(correlated) - 50)).toBeLessThan(2);
    expect(Math.abs(stddev(correlated) - 20 / Math.sqrt(3)) / (20 / Math.sqrt(3))).toBeLessThan(0.15);
  });

  it("jitter reorders datagrams, as netem does", () => {
    const { arrivals } = run({ latencyMs: 20, jitterMs: 10 }, 1000);
    const order = arrivals.map(({ packet }) => new DataView(packet.buffer).getUint32(0));
    expect(order.some((seq, i) => i > 0 && seq < order[i - 1]!)).toBe(true);
  });
});

describe("DatagramLink: loss, duplication, corruption, reordering", () => {
  it("random loss of 2 % comes out within ±0.5 percentage points over 100k datagrams", () => {
    const { arrivals, link } = run({ loss: 2 }, 100_000);
    const lossPercent = (100 * (100_000 - arrivals.length)) / 100_000;
    expect(Math.abs(lossPercent - 2)).toBeLessThan(0.5);
    expect(link.stats.lost).toBe(100_000 - arrivals.length);
  });

  it("correlated loss keeps the configured rate and makes losses cluster", () => {
    const plain = run({ loss: 10 }, 50_000).trace.map((d) => d.outcome === "lost");
    const clustered = run({ loss: 10, lossCorrelation: 90 }, 50_000).trace.map((d) => d.outcome === "lost");
    const runs = (flags: boolean[]) => flags.filter((lost, i) => lost && !flags[i - 1]).length;
    const rate = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;
    expect(Math.abs(rate(plain) - 0.1)).toBeLessThan(0.005);
    // Unlike netem's formula, correlation keeps the loss rate.
    expect(Math.abs(rate(clustered) - 0.1)).toBeLessThan(0.02);
    expect(runs(clustered) / clustered.filter(Boolean).length).toBeLessThan(
      runs(plain) / plain.filter(Boolean).length,
    );
  });

  it("Gilbert-Elliott: mean burst length = 100/r within 10 %, loss rate = p/(p+r) within 10 %", () => {
    const p = 1;
    const r = 20;
    const { trace } = run({ gilbertElliott: { p, r } }, 200_000);
    const lost = trace.map((d) => d.outcome === "lost");
    const bursts: number[] = [];
    let current = 0;
    for (const flag of lost) {
      if (flag) current++;
      else if (current > 0) {
        bursts.push(current);
        current = 0;
      }
    }
    expect(Math.abs(mean(bursts) - 100 / r) / (100 / r)).toBeLessThan(0.1);
    const rate = lost.filter(Boolean).length / lost.length;
    expect(Math.abs(rate - p / (p + r)) / (p / (p + r))).toBeLessThan(0.1);
  });

  it("100 % duplication: each datagram arrives exactly twice", () => {
    const { arrivals, link } = run({ duplicate: 100 }, 500);
    expect(arrivals).toHaveLength(1000);
    const counts = new Map<number, number>();
    for (const { packet } of arrivals) {
      const seq = new DataView(packet.buffer).getUint32(0);
      counts.set(seq, (counts.get(seq) ?? 0) + 1);
    }
    expect([...counts.values()].every((count) => count === 2)).toBe(true);
    expect(counts.size).toBe(500);
    expect(link.stats.duplicated).toBe(500);
  });

  it("corruption flips exactly one bit of a copy; the sender's buffer is untouched", () => {
    const rig = datagramRig({ corrupt: 100 });
    const original = new Uint8Array(64).fill(0xaa);
    rig.link.send(original);
    rig.scheduler.runAll();
    const received = rig.arrivals[0]!.packet;
    let differingBits = 0;
    for (let i = 0; i < 64; i++) {
      let x = received[i]! ^ 0xaa;
      while (x) {
        differingBits += x & 1;
        x >>= 1;
      }
    }
    expect(differingBits).toBe(1);
    expect(original.every((byte) => byte === 0xaa)).toBe(true);
    expect(rig.link.stats.corrupted).toBe(1);
  });

  it("reorder 25 % with gap 1: about a quarter of the packets are sent at once and overtake", () => {
    const { arrivals, link } = run({ latencyMs: 10, reorder: 25 }, 4000);
    expect(Math.abs(link.stats.reordered / 4000 - 0.25)).toBeLessThan(0.03);
    const order = arrivals.map(({ packet }) => new DataView(packet.buffer).getUint32(0));
    expect(order.some((seq, i) => i > 0 && seq < order[i - 1]!)).toBe(true);
  });

  it("reorder with gap 5: no two reordered packets are closer than 5 apart", () => {
    const { trace } = run({ latencyMs: 10, reorder: 100, gap: 5 }, 1000);
    const reordered = trace.filter((d) => d.reordered).map((d) => d.seq);
    expect(reordered.length).toBe(200);
    for (let i = 1; i < reordered.length; i++) expect(reordered[i]! - reordered[i - 1]!).toBe(5);
  });
});

describe("DatagramLink: rate and queue", () => {
  it("10 Mbit/s over 5 MB: the last packet leaves at 5 MB / rate within 5 % (the burst goes at once)", () => {
    const rig = datagramRig({ rateBitsPerSec: 10e6, queueLimitPackets: 10_000, queueLatencyMs: 10_000 });
    const size = 1000;
    const count = 5000;
    for (let i = 0; i < count; i++) rig.link.send(new Uint8Array(size));
    rig.scheduler.runAll();
    expect(rig.arrivals).toHaveLength(count);
    // The first burst (1.25 MB/s ÷ 8 = 156250 B) leaves at once; the rest at the rate.
    const expectedMs = ((count * size - 156_250) * 8 * 1000) / 10e6;
    const last = rig.arrivals.at(-1)!.at;
    expect(Math.abs(last - expectedMs) / expectedMs).toBeLessThan(0.05);
    const rate = (count * size * 8) / (last / 1000);
    expect(Math.abs(rate - 10e6) / 10e6).toBeLessThan(0.05);
  });

  it("the queue never holds more than queueLimitPackets; the excess is dropped and counted", () => {
    const rig = datagramRig({ latencyMs: 100, queueLimitPackets: 50 });
    for (let i = 0; i < 80; i++) rig.link.send(new Uint8Array(10));
    expect(rig.link.stats.queueDrops).toBe(30);
    expect(rig.link.stats.peakQueueBytes).toBe(500);
    rig.scheduler.advance(101);
    expect(rig.arrivals).toHaveLength(50);
    rig.link.send(new Uint8Array(10));
    expect(rig.link.stats.queueDrops).toBe(30);
  });

  it("with a rate, the TBF byte limit (rate × queueLatency + burst) drops what does not fit", () => {
    // 800 kbit/s = 100 kB/s; burst 15000 B; queue 100 kB/s × 100 ms + 15000 = 25000 B.
    const rig = datagramRig({ rateBitsPerSec: 800_000, queueLatencyMs: 100 });
    for (let i = 0; i < 100; i++) rig.link.send(new Uint8Array(1000));
    // 15 leave at once on the burst; 25 more fit in the queue.
    expect(rig.link.stats.queueDrops).toBe(60);
    rig.scheduler.runAll();
    expect(rig.arrivals).toHaveLength(40);
  });
});

describe("DatagramLink: determinism and control", () => {
  const impairment: Impairment = {
    latencyMs: 30,
    jitterMs: 10,
    loss: 5,
    duplicate: 2,
    corrupt: 1,
    reorder: 5,
  };

  it("the same seed and the same sends give the same decision trace; another seed does not", () => {
    const a = run(impairment, 2000, 42).trace;
    const b = run(impairment, 2000, 42).trace;
    const c = run(impairment, 2000, 43).trace;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("setImpairment applies to packets sent after the call; close drops what is in flight", () => {
    const rig = datagramRig({ latencyMs: 100 });
    rig.link.send(new Uint8Array([1]));
    rig.link.setImpairment({ latencyMs: 10 });
    rig.link.send(new Uint8Array([2]));
    rig.scheduler.advance(50);
    expect(rig.arrivals.map((a) => [a.packet[0], a.at])).toEqual([[2, 10]]);
    rig.link.close();
    rig.scheduler.runAll();
    expect(rig.arrivals).toHaveLength(1);
  });

  it("a partition drops everything until it heals", () => {
    const rig = datagramRig({});
    rig.link.setPartitioned(true);
    rig.link.send(new Uint8Array(10));
    rig.link.setPartitioned(false);
    rig.link.send(new Uint8Array(20));
    rig.scheduler.runAll();
    expect(rig.arrivals.map((a) => a.packet.length)).toEqual([20]);
    expect(rig.link.stats.blackholedBytes).toBe(10);
  });
});
