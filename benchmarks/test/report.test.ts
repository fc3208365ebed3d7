import { describe, expect, it } from "vitest";
import { formatDuration } from "../lib/format.mjs";
import { Progress } from "../lib/progress.mjs";
import { chartSpecs, renderSvg, reportMarkdown } from "../lib/report.mjs";

const reqrepRow = (target: string, baseline: string, label: string, rate: number) => ({
  target,
  baseline,
  sockets: "s",
  mode: label.startsWith("seq") ? "sequential" : "pipelined",
  size: label.startsWith("seq") ? 100 : 512,
  window: 1,
  label,
  rate,
  bytesPerSecond: rate * 100,
  serverRss: 50 * 2 ** 20,
  samples: [rate],
});

const results = {
  meta: {
    date: "2026-01-01T00:00:00.000Z",
    node: "v20",
    cpus: 2,
    quick: true,
    timing: { warmupMs: 1, durationMs: 2, repeats: 1 },
  },
  reqrep: [
    reqrepRow("raw-net", "raw-net", "sequential 100 B", 10_000),
    reqrepRow("msg-tcp", "raw-net", "sequential 100 B", 9_000),
    reqrepRow("raw-net", "raw-net", "pipelined 512 B ×2048", 170_000),
    reqrepRow("msg-tcp", "raw-net", "pipelined 512 B ×2048", 450_000),
    {
      target: "zeromq",
      baseline: "raw-net",
      sockets: "s",
      mode: "sequential",
      label: "sequential 100 B",
      error: "boom",
    },
  ],
  pubsub: [
    {
      target: "raw-net",
      baseline: "raw-net",
      sockets: "s",
      subscribers: 1,
      size: 64,
      rate: 250_000,
      bytesPerSecond: 1,
      receivedPerSent: 1,
    },
    {
      target: "msg-tcp",
      baseline: "raw-net",
      sockets: "s",
      subscribers: 1,
      size: 64,
      rate: 3_000_000,
      bytesPerSecond: 1,
      receivedPerSent: 1,
    },
  ],
  stalled: [
    {
      target: "raw-net",
      sockets: "s",
      offeredRate: 20_000,
      size: 512,
      healthyRate: 20_000,
      rssBefore: 1,
      rssAfter: 2,
      rssPeak: 2,
      growthPerSecond: 15e6,
    },
    {
      target: "msg-tcp",
      sockets: "s",
      offeredRate: 20_000,
      size: 512,
      healthyRate: 20_000,
      rssBefore: 1,
      rssAfter: 1,
      rssPeak: 1,
      growthPerSecond: 0.5e6,
    },
  ],
};

describe("benchmark report", () => {
  it("draws one chart per suite with every target that has a result, and none that failed", async () => {
    const specs = chartSpecs(results);
    expect(Object.keys(specs).sort()).toEqual(["pubsub.svg", "reqrep.svg", "stalled.svg"]);
    const svg = await renderSvg(specs["reqrep.svg"]!);
    expect(svg.startsWith("<svg")).toBe(true);
    for (const text of [
      "raw-net",
      "msg-tcp",
      "sequential 100 B",
      "pipelined 512 B ×2048",
      "requests per second",
    ]) {
      expect(svg).toContain(text);
    }
    expect(svg).not.toContain("zeromq");
    // One bar per measured target and case: 4 in the Req/Rep chart.
    expect(svg.match(/role-mark/g)?.length).toBeGreaterThan(0);
    expect(specs["reqrep.svg"]!.data.values).toHaveLength(4);
    for (const file of ["pubsub.svg", "stalled.svg"]) {
      const drawn = await renderSvg(specs[file]!);
      expect(drawn).toContain("msg-tcp");
      expect(drawn).toContain("raw-net");
    }
  });

  it("writes Markdown with the charts and each suite's table", () => {
    const markdown = reportMarkdown(results, ["reqrep.svg", "stalled.svg"], {
      command: "node benchmarks/run.mjs --quick",
    });
    expect(markdown).toContain("`node benchmarks/run.mjs --quick`");
    expect(markdown).toContain("](reqrep.svg)");
    expect(markdown).toContain("](stalled.svg)");
    expect(markdown).not.toContain("](pubsub.svg)");
    expect(markdown).toContain("| sequential 100 B");
    expect(markdown).toContain("0.90× raw-net");
    expect(markdown).toContain("error: boom");
  });
});

describe("progress", () => {
  it("counts steps and estimates the time left from the mean time per finished step", () => {
    let now = 0;
    const progress = new Progress(4, () => now);
    expect(progress.step("a")).toBe("[1/4] 0 s elapsed, estimating: a");
    now = 10_000;
    expect(progress.step("b")).toBe("[2/4] 10 s elapsed, about 30 s left: b");
    now = 20_000;
    expect(progress.step("c")).toBe("[3/4] 20 s elapsed, about 20 s left: c");
  });

  it("formats durations for people", () => {
    expect(formatDuration(42_400)).toBe("42 s");
    expect(formatDuration(185_000)).toBe("3 min 05 s");
    expect(formatDuration(3_720_000)).toBe("1 h 02 min");
  });
});
