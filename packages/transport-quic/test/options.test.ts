import { badOptionCases, optionRefusal } from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { QuicTransport } from "../src/index.js";

const notANumber = ["10", Number.NaN, null, true];
const badTimer = [...notANumber, 0, -1, 1.5, 2 ** 31];

const options: Record<string, unknown[]> = {
  firstStreamTimeout: badTimer,
  maxPendingConnections: [...notANumber, 0, -1, 1.5],
  handshakeTimeout: badTimer,
  keepAliveInterval: [...notANumber, -1, 1.5],
  idleTimeout: [...notANumber, -1, 1.5],
  initialMtu: [...notANumber, 1199, 65528],
  readChunkSize: [...notANumber, 0],
  writeHighWaterMark: [...notANumber, 0],
  closeLinger: [...notANumber, -1, 2 ** 31],
};

describe("QuicTransport options", () => {
  const cases = badOptionCases(options);

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    expect(optionRefusal((options) => new QuicTransport(options), option, value).message).toContain(
      `\`${option}\``,
    );
  });
});
