import { describe, expect, it } from "vitest";
import { ErrorCode, formatHostPort, isMsgError, parseHostPort } from "../src/index.js";
import { resolveHost } from "../src/node/index.js";

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

describe("endpoints", () => {
  it("writes an IPv4-mapped IPv6 address as plain IPv4, other addresses as host:port", () => {
    expect(formatHostPort("::ffff:127.0.0.1", 5)).toBe("127.0.0.1:5");
    expect(formatHostPort("::FFFF:10.0.0.2", 6)).toBe("10.0.0.2:6");
    expect(formatHostPort("::1", 7)).toBe("[::1]:7");
    expect(formatHostPort("::ffff:7f00:1", 8)).toBe("[::ffff:7f00:1]:8");
    expect(formatHostPort("10.1.1.1", 9)).toBe("10.1.1.1:9");
  });

  it("resolves an IP literal to itself and a name through the system resolver", async () => {
    expect(await resolveHost("::1")).toEqual(["::1"]);
    expect(await resolveHost("127.0.0.1")).toEqual(["127.0.0.1"]);
    const local = await resolveHost("localhost");
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((address) => address === "::1" || address.startsWith("127."))).toBe(true);
  });

  it("rejects a name that does not resolve with invalid_address", async () => {
    let caught: unknown;
    try {
      await resolveHost("no-such-host.invalid");
    } catch (error) {
      caught = error;
    }
    expect(isMsgError(caught, ErrorCode.InvalidAddress)).toBe(true);
    expect((caught as Error).message).toContain("no-such-host.invalid");
  });
});
