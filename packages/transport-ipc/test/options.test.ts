import { badOptionCases, optionRefusal } from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { IpcTransport } from "../src/index.js";

const notANumber = ["10", Number.NaN, null, true];

const options: Record<string, unknown[]> = {
  mode: [...notANumber, -1, 0o1000, 1.5],
  connectTimeout: [...notANumber, 0, -1, 1.5, 2 ** 31],
  maxPendingConnections: [...notANumber, 0, -1, 1.5],
};

describe("IpcTransport options", () => {
  const cases = badOptionCases(options);

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    expect(optionRefusal((options) => new IpcTransport(options), option, value).message).toContain(
      `\`${option}\``,
    );
  });

  it("accepts the edges of every range, and undefined (the default)", () => {
    expect(
      () => new IpcTransport({ mode: 0, connectTimeout: 2 ** 31 - 1, maxPendingConnections: 1 }),
    ).not.toThrow();
    expect(() => new IpcTransport({ mode: 0o777 })).not.toThrow();
    expect(() => new IpcTransport({ mode: undefined, connectTimeout: undefined })).not.toThrow();
  });
});
