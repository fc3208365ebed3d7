import { ErrorCode, isMsgError } from "@msg/core";
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
  const cases = Object.entries(options).flatMap(([option, values]) =>
    values.map((value) => ({ option, value })),
  );

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    let error: unknown;
    try {
      new QuicTransport({ [option]: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(isMsgError(error, ErrorCode.InvalidArgument), `${option}: ${String(value)}`).toBe(true);
    expect((error as Error).message).toContain(`\`${option}\``);
  });
});
