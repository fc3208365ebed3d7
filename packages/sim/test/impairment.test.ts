import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { resolveImpairment, validateImpairment, validateStreamFaults } from "../src/index.js";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isMsgError(error) ? error.code : `not a MsgError: ${String(error)}`;
  }
  return undefined;
}

describe("validateImpairment", () => {
  it.each([
    ["negative latency", { latencyMs: -1 }],
    ["NaN jitter", { jitterMs: Number.NaN }],
    ["loss above 100", { loss: 100.5 }],
    ["negative duplicate", { duplicate: -0.1 }],
    ["unknown distribution", { distribution: "lognormal" }],
    ["unknown field", { latency: 10 }],
    ["string where a number goes", { loss: "5" }],
    ["zero rate", { rateBitsPerSec: 0 }],
    ["fractional queue limit", { queueLimitPackets: 10.5 }],
    ["queue limit 0", { queueLimitPackets: 0 }],
    ["reorder without delay", { reorder: 10 }],
    ["two loss models", { loss: 1, gilbertElliott: { p: 1 } }],
    ["gilbertElliott without p", { gilbertElliott: { r: 10 } }],
    ["gilbertElliott h above 100", { gilbertElliott: { p: 1, h: 101 } }],
    ["not an object", 42],
    ["null", null],
  ])("refuses %s with invalid_argument, never clamping", (_, value) => {
    expect(codeOf(() => validateImpairment(value))).toBe(ErrorCode.InvalidArgument);
  });

  it("accepts every field at its bounds and returns it unchanged", () => {
    const value = {
      latencyMs: 0.5,
      jitterMs: 0,
      distribution: "paretonormal",
      delayCorrelation: 100,
      loss: 0,
      lossCorrelation: 25,
      duplicate: 100,
      corrupt: 0.01,
      reorder: 50,
      gap: 5,
      rateBitsPerSec: 1e9,
      burstBytes: 1,
      queueLimitPackets: 1,
      queueLatencyMs: 0,
    };
    expect(validateImpairment(value)).toEqual(value);
  });

  it("names the field and the range in the message", () => {
    expect(() => validateImpairment({ loss: 150 })).toThrow(/loss must be a number in \[0, 100\], got 150/);
  });

  it("fills in linkem's and netem's defaults", () => {
    const perfect = resolveImpairment({});
    expect(perfect.perfect).toBe(true);
    expect(perfect.queueLimitPackets).toBe(1000);
    expect(perfect.distribution).toBe("uniform");
    const shaped = resolveImpairment({ rateBitsPerSec: 8e6 });
    // 1 MB/s: burst max(1 MB/s / 8, 15000) = 125000 B; queue = 1 MB/s × 200 ms + burst.
    expect(shaped.burstBytes).toBe(125_000);
    expect(shaped.queueLimitBytes).toBe(200_000 + 125_000);
    expect(shaped.perfect).toBe(false);
    expect(resolveImpairment({ rateBitsPerSec: 1e5 }).burstBytes).toBe(15_000);
    expect(resolveImpairment({ gilbertElliott: { p: 5 } }).gilbertElliott).toEqual({
      p: 5,
      r: 95,
      h: 0,
      k: 100,
    });
    expect(resolveImpairment({ latencyMs: 5, reorder: 10 }).gap).toBe(1);
  });
});

describe("validateStreamFaults", () => {
  it.each([
    ["negative slow close", { slowCloseMs: -5 }],
    ["slicer without size", { slicer: {} }],
    ["slicer variation not below the size", { slicer: { averageSize: 10, sizeVariation: 10 } }],
    ["fractional limit", { limitDataBytes: 1.5 }],
    ["unknown fault", { latency: 5 }],
    ["timeout without ms", { timeout: {} }],
  ])("refuses %s with invalid_argument", (_, value) => {
    expect(codeOf(() => validateStreamFaults(value))).toBe(ErrorCode.InvalidArgument);
  });

  it("accepts toxiproxy's toxics", () => {
    const faults = {
      slicer: { averageSize: 100, sizeVariation: 10, delayUs: 50 },
      slowCloseMs: 5,
      timeout: { ms: 0 },
    };
    expect(validateStreamFaults(faults)).toEqual(faults);
  });
});
