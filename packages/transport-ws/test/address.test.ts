import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { parseWsAddress, WssTransport, WsTransport } from "../src/index.js";

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("WebSocket addresses", () => {
  it("parses URLs: IPv4, names, bracketed IPv6, default ports, paths and (to connect) queries", () => {
    expect(parseWsAddress("ws://127.0.0.1:0/msg", "ws", "/", "bind")).toEqual({
      scheme: "ws",
      host: "127.0.0.1",
      port: 0,
      path: "/msg",
      query: "",
    });
    expect(parseWsAddress("ws://[::1]:9000", "ws", "/x", "bind")).toMatchObject({
      host: "::1",
      port: 9000,
      path: "/",
    });
    expect(parseWsAddress("ws://Example.COM/a/b", "ws", "/", "connect")).toMatchObject({
      host: "example.com",
      port: 80,
      path: "/a/b",
    });
    expect(parseWsAddress("wss://msg.example/", "wss", "/", "connect")).toMatchObject({ port: 443 });
    expect(parseWsAddress("wss://h:1/p?token=t", "wss", "/", "connect")).toMatchObject({ query: "?token=t" });
  });

  it("takes host:port with the path option", () => {
    expect(parseWsAddress("localhost:4000", "ws", "/msg", "bind")).toEqual({
      scheme: "ws",
      host: "localhost",
      port: 4000,
      path: "/msg",
      query: "",
    });
    expect(parseWsAddress("[::1]:0", "wss", "/", "connect")).toMatchObject({ host: "::1", scheme: "wss" });
  });

  it.each([
    ["wss://127.0.0.1:1/", "ws", "connect"],
    ["ws://127.0.0.1:1/", "wss", "connect"],
    ["tcp://127.0.0.1:1", "ws", "connect"],
    ["ws://user:secret@127.0.0.1:1/", "ws", "connect"],
    ["ws://127.0.0.1:1/#frag", "ws", "connect"],
    ["ws://127.0.0.1:1/?q=1", "ws", "bind"],
    ["ws://127.0.0.1:99999/", "ws", "bind"],
    ["ws://", "ws", "bind"],
    ["127.0.0.1", "ws", "bind"],
  ] as const)("refuses %s for %s %s with invalid_address", (address, scheme, use) => {
    expect(
      isMsgError(
        errorOf(() => parseWsAddress(address, scheme, "/", use)),
        ErrorCode.InvalidAddress,
      ),
    ).toBe(true);
  });

  it("bind and connect reject a malformed address with invalid_address", async () => {
    const transport = new WsTransport();
    const bound = await transport.bind("ws://127.0.0.1:0/?q", () => {}).catch((error: unknown) => error);
    expect(isMsgError(bound, ErrorCode.InvalidAddress)).toBe(true);
    const connected = await new WssTransport().connect("ws://127.0.0.1:1/").catch((error: unknown) => error);
    expect(isMsgError(connected, ErrorCode.InvalidAddress)).toBe(true);
  });
});
