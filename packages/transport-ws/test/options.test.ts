import {
  badOptionCases,
  badTimeoutValues as badTimer,
  badTlsOptionValues,
  notANumber,
  optionRefusal,
} from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { WssTransport, WsTransport } from "../src/index.js";

const wsOptions: Record<string, readonly unknown[]> = {
  path: ["msg", "/a b", "/a?b", "/a#b", 42],
  connectTimeout: badTimer,
  handshakeTimeout: badTimer,
  maxPayload: [...notANumber, 0, -1, 1.5],
  highWaterMark: [...notANumber, -1, 0.5],
  perMessageDeflate: ["yes", 1],
  allowedOrigins: ["https://app.example", [42], {}],
  maxPendingConnections: [...notANumber, 0, -1, 1.5],
  origin: [42, {}],
  headers: ["x", { "x-a": 1 }],
};
const wssOptions: Record<string, readonly unknown[]> = {
  ...wsOptions,
  ...badTlsOptionValues,
};

const transports = [
  { name: "WsTransport", create: (o: object) => new WsTransport(o), options: wsOptions },
  { name: "WssTransport", create: (o: object) => new WssTransport(o), options: wssOptions },
];

describe.each(transports)("$name options", ({ create, options }) => {
  it.each(badOptionCases(options))(
    "refuses $option = $value with invalid_argument naming it",
    ({ option, value }) => {
      expect(optionRefusal(create, option, value).message).toContain(`\`${option}\``);
    },
  );

  it("accepts the edges of every range, and undefined (the default)", () => {
    expect(() =>
      create({
        path: "/a/b-c_d.e",
        connectTimeout: 2 ** 31 - 1,
        handshakeTimeout: 1,
        maxPayload: 1,
        highWaterMark: 0,
        perMessageDeflate: true,
        allowedOrigins: [],
        maxPendingConnections: 1,
        origin: "https://app.example",
        headers: { "x-token": "t" },
      }),
    ).not.toThrow();
    expect(() => create({})).not.toThrow();
  });
});
