import {
  badOptionCases,
  badTimeoutValues as badTimer,
  badTlsOptionValues,
  notANumber,
  optionRefusal,
} from "@msg/core/testing";
import { describe, expect, it } from "vitest";
import { TcpTransport, TlsTransport } from "../src/index.js";

const tcpOptions: Record<string, readonly unknown[]> = {
  noDelay: ["yes", 1],
  keepAlive: [...notANumber, -1, 2.5, 2 ** 31],
  connectTimeout: badTimer,
  maxPendingConnections: [...notANumber, 0, -1, 1.5],
};
const tlsOptions: Record<string, readonly unknown[]> = {
  ...tcpOptions,
  ...badTlsOptionValues,
  handshakeTimeout: badTimer,
  confirmTimeout: [...notANumber, -1, 2 ** 31],
};

const transports = [
  { name: "TcpTransport", create: (o: object) => new TcpTransport(o), options: tcpOptions },
  { name: "TlsTransport", create: (o: object) => new TlsTransport(o), options: tlsOptions },
];

describe.each(transports)("$name options", ({ create, options }) => {
  const cases = badOptionCases(options);

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    expect(optionRefusal(create, option, value).message).toContain(`\`${option}\``);
  });

  it("accepts the edges of every range, and undefined (the default)", () => {
    expect(() =>
      create({ keepAlive: false, connectTimeout: 2 ** 31 - 1, maxPendingConnections: 1 }),
    ).not.toThrow();
    expect(() => create({ keepAlive: 0, noDelay: false })).not.toThrow();
    expect(() =>
      create(Object.fromEntries(Object.keys(options).map((name) => [name, undefined]))),
    ).not.toThrow();
  });
});

it("TlsTransport refuses a minVersion above maxVersion", () => {
  expect(() => new TlsTransport({ minVersion: "TLSv1.3", maxVersion: "TLSv1.2" })).toThrow(/`minVersion`/);
});
