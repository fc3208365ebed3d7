import { describe, expect, it } from "vitest";
import {
  checkBoolean,
  checkBytes,
  checkInteger,
  checkMethods,
  checkNumber,
  checkOneOf,
  ErrorCode,
  isMsgError,
  MAX_TIMER_MS,
} from "../src/index.js";

/** The error `check` throws, failing the test if it throws nothing. */
function refusal(check: () => void): Error {
  try {
    check();
  } catch (error) {
    expect(isMsgError(error, ErrorCode.InvalidArgument)).toBe(true);
    return error as Error;
  }
  throw new Error("expected the value to be refused");
}

describe("option checks", () => {
  it("let undefined through: the default applies", () => {
    expect(() => {
      checkInteger("a", undefined, 1);
      checkNumber("b", undefined, 0, 1);
      checkBoolean("c", undefined);
      checkOneOf("d", undefined, ["x"]);
      checkMethods("e", undefined, ["run"], "a hook");
      checkBytes("f", undefined);
    }).not.toThrow();
  });

  it("name the option, the accepted range and the value given", () => {
    expect(refusal(() => checkInteger("timeout", 0, 1, MAX_TIMER_MS)).message).toBe(
      `option \`timeout\` must be an integer from 1 to ${MAX_TIMER_MS} (got 0)`,
    );
    expect(refusal(() => checkInteger("maxClients", "5", 1, 10, { infinity: true })).message).toBe(
      'option `maxClients` must be an integer from 1 to 10 or Infinity (got "5")',
    );
    expect(refusal(() => checkNumber("jitter", Number.NaN, 0, 1)).message).toContain("(got NaN)");
    expect(refusal(() => checkOneOf("whenFull", "wait", ["drop", "block"])).message).toBe(
      'option `whenFull` must be one of "drop", "block" (got "wait")',
    );
    expect(refusal(() => checkBytes("token", new Uint16Array(2))).message).toContain("(got object)");
    expect(refusal(() => checkBytes("token", "", { nonEmpty: true })).message).toContain("non-empty");
    expect(refusal(() => checkMethods("hook", { run: 1 }, ["run"], "a hook")).message).toContain(
      "must be a hook",
    );
    expect(refusal(() => checkBoolean("noDelay", 1)).message).toContain("true or false");
  });

  it("accept the edges of a range, and Infinity only where allowed", () => {
    expect(() => checkInteger("a", 1, 1, 2)).not.toThrow();
    expect(() => checkInteger("a", 2, 1, 2)).not.toThrow();
    expect(() => checkInteger("a", Number.POSITIVE_INFINITY, 1, 2, { infinity: true })).not.toThrow();
    refusal(() => checkInteger("a", Number.POSITIVE_INFINITY, 1, 2));
    refusal(() => checkInteger("a", 1.5, 1, 2));
    expect(() => checkNumber("a", 0.5, 0, 1)).not.toThrow();
    refusal(() => checkNumber("a", Number.POSITIVE_INFINITY, 0, Number.MAX_VALUE));
  });
});
