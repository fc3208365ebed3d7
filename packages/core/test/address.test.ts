import { describe, expect, it } from "vitest";
import { ErrorCode, formatHostPort, isMsgError, parseHostPort } from "../src/index.js";

describe("host:port addresses", () => {
  it("parses IPv4, names and bracketed IPv6", () => {
    expect(parseHostPort("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseHostPort("localhost:4000")).toEqual({ host: "localhost", port: 4000 });
    expect(parseHostPort("[::1]:65535")).toEqual({ host: "::1", port: 65535 });
  });

  it("formats IPv6 with brackets so the result parses again", () => {
    expect(formatHostPort("::1", 80)).toBe("[::1]:80");
    expect(parseHostPort(formatHostPort("fe80::1", 9))).toEqual({ host: "fe80::1", port: 9 });
  });

  it("writes an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) in IPv4 form", () => {
    expect(formatHostPort("::ffff:127.0.0.1", 5000)).toBe("127.0.0.1:5000");
    expect(formatHostPort("::FFFF:10.0.0.2", 1)).toBe("10.0.0.2:1");
    expect(formatHostPort("::ffff:7f00:1", 1)).toBe("[::ffff:7f00:1]:1");
  });

  it.each(["nohost", "host:", ":80", "::1:80", "[::1]80", "h:99999", "h:x"])("rejects %s", (address) => {
    let caught: unknown;
    try {
      parseHostPort(address);
    } catch (error) {
      caught = error;
    }
    expect(isMsgError(caught, ErrorCode.InvalidAddress)).toBe(true);
  });
});
