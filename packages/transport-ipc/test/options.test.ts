import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { IpcTransport } from "../src/index.js";

const notANumber = ["10", Number.NaN, null, true];

const options: Record<string, unknown[]> = {
  mode: [...notANumber, -1, 0o1000, 1.5],
  connectTimeout: [...notANumber, 0, -1, 1.5, 2 ** 31],
  maxPendingConnections: [...notANumber, 0, -1, 1.5],
};

describe("IpcTransport options", () => {
  const cases = Object.entries(options).flatMap(([option, values]) =>
    values.map((value) => ({ option, value })),
  );

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    let error: unknown;
    try {
      new IpcTransport({ [option]: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(isMsgError(error, ErrorCode.InvalidArgument), `${option}: ${String(value)}`).toBe(true);
    expect((error as Error).message).toContain(`\`${option}\``);
    expect((error as Error).message).toMatch(/must be .+ \(got /);
  });

  it("accepts the edges of every range, and undefined (the default)", () => {
    expect(
      () => new IpcTransport({ mode: 0, connectTimeout: 2 ** 31 - 1, maxPendingConnections: 1 }),
    ).not.toThrow();
    expect(() => new IpcTransport({ mode: 0o777 })).not.toThrow();
    expect(() => new IpcTransport({ mode: undefined, connectTimeout: undefined })).not.toThrow();
  });
});
