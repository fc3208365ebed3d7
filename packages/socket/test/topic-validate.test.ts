import { readFileSync } from "node:fs";
import { ErrorCode, MsgError } from "@msg/core";
import { parseControlTopic } from "@msg/wire";
import { describe, expect, it } from "vitest";
import {
  MAX_PATTERN_BYTES,
  MAX_TOPIC_BYTES,
  RESERVED_TOPIC_PREFIX,
  validatePattern,
  validateTopic,
} from "../src/topic/index.js";

/** The MsgError `validate` throws for `input`, failing the test if it throws anything else or nothing. */
function rejection(validate: (input: unknown) => void, input: unknown): MsgError {
  try {
    validate(input);
  } catch (error) {
    expect(error).toBeInstanceOf(MsgError);
    expect((error as MsgError).code).toBe(ErrorCode.InvalidTopic);
    return error as MsgError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const both = [
  ["validateTopic", validateTopic],
  ["validatePattern", validatePattern],
] as const;

describe.each(both)("%s: rules topics and patterns share", (_, validate) => {
  it("reserves every string starting with MSG, case-sensitively", () => {
    expect(RESERVED_TOPIC_PREFIX).toBe("MSG");
    for (const reserved of ["MSG", "MSG.", "MSG.SUB.a", "MSG.UNSUB.a", "MSGX", "MSGfoo.bar"]) {
      expect(rejection(validate, reserved).message).toContain("reserved");
    }
    for (const allowed of ["msg", "msg.SUB.a", "Msg.x", "xMSG", "a.MSG", "MS", "M", "MSx"]) {
      expect(() => validate(allowed)).not.toThrow();
    }
  });

  it("rejects unpaired surrogates and accepts surrogate pairs", () => {
    for (const lone of ["\uD800", "a\uDC00b", "x.\uD83D", "\uDE00\uD83D"]) {
      expect(rejection(validate, lone).message).toContain("surrogate");
    }
    for (const fine of ["😀", "a.😀.b", "é.€", "日本.語"]) expect(() => validate(fine)).not.toThrow();
  });

  it("rejects anything but a string", () => {
    for (const value of [42, undefined, null, Buffer.from("a"), ["a"]]) {
      expect(rejection(validate, value).message).toContain("expected a string");
    }
  });

  it("quotes at most a prefix of a long input in the error message", () => {
    const message = rejection(validate, `MSG${"x".repeat(100_000)}`).message;
    expect(message.length).toBeLessThan(200);
  });
});

describe("validateTopic", () => {
  it("counts the length limit in UTF-8 bytes, not characters", () => {
    expect(MAX_TOPIC_BYTES).toBe(65_535);
    expect(() => validateTopic("a".repeat(65_535))).not.toThrow();
    expect(rejection(validateTopic, "a".repeat(65_536)).message).toContain("65536 UTF-8 bytes");
    expect(() => validateTopic("€".repeat(21_845))).not.toThrow(); // 3 bytes each: 65535
    expect(rejection(validateTopic, "€".repeat(21_846)).message).toContain("65538 UTF-8 bytes");
    expect(rejection(validateTopic, "é".repeat(32_768)).message).toContain("65536 UTF-8 bytes");
    expect(rejection(validateTopic, "😀".repeat(16_384)).message).toContain("65536 UTF-8 bytes");
  });

  it("forbids wildcard tokens in published topics, as NATS does", () => {
    for (const wildcard of ["*", ">", "a.*", "a.>", "*.b", "a.*.b", "a.>.b"]) {
      expect(rejection(validateTopic, wildcard).message).toContain("wildcard");
    }
    for (const literal of ["a*", "a.b*", "*a.b", "a.>b", "a>.b", "->"]) {
      expect(() => validateTopic(literal)).not.toThrow();
    }
  });

  it("allows empty tokens, including the empty topic", () => {
    for (const topic of ["", ".", "a.", ".a", "a..b"]) expect(() => validateTopic(topic)).not.toThrow();
  });
});

describe("validatePattern", () => {
  it("leaves room for the longest control prefix (MSG.UNSUB.) within the u16 topic length", () => {
    expect(MAX_PATTERN_BYTES).toBe(65_525);
    expect(Buffer.byteLength(`MSG.UNSUB.${"a".repeat(MAX_PATTERN_BYTES)}`)).toBe(MAX_TOPIC_BYTES);
    expect(() => validatePattern("a".repeat(65_525))).not.toThrow();
    expect(rejection(validatePattern, "a".repeat(65_526)).message).toContain("limit is 65525");
    expect(rejection(validatePattern, "é".repeat(32_763)).message).toContain("65526 UTF-8 bytes");
  });

  it("allows `>` only as the last token", () => {
    for (const misplaced of [">.a", "a.>.b", "a.>.>", ">.>", "*.>.*"]) {
      expect(rejection(validatePattern, misplaced).message).toContain("last token");
    }
    for (const fine of [">", "a.>", "*.>", "a.*.>", "a>.b", "a.>b", "a.b>.c"]) {
      expect(() => validatePattern(fine)).not.toThrow();
    }
  });

  it("accepts `*` anywhere, and empty tokens including the empty pattern", () => {
    for (const pattern of ["*", "*.*", "a.*.b", "", "a..b", "a.", ".*"]) {
      expect(() => validatePattern(pattern)).not.toThrow();
    }
  });

  it("accepts the patterns of the wire vectors (packages/wire/test/vectors/pubsub_control.json)", () => {
    const file = new URL("../../wire/test/vectors/pubsub_control.json", import.meta.url);
    const vectors = JSON.parse(readFileSync(file, "utf8")) as { fields: { topic_utf8: string } }[];
    const patterns = vectors.map((vector) => {
      const control = parseControlTopic(vector.fields.topic_utf8);
      if (!control) throw new Error(`not a control topic: ${vector.fields.topic_utf8}`);
      return control.pattern;
    });
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(() => validatePattern(pattern), pattern).not.toThrow();
  });
});
