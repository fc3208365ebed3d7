import { transportComplianceSuite } from "@msg/core/compliance";
import { freePort } from "@msg/core/testing";
import { TcpTransport } from "../src/index.js";

transportComplianceSuite("tcp over IPv4", {
  server: () => new TcpTransport(),
  client: () => new TcpTransport(),
  bindAddress: () => "127.0.0.1:0",
  deadAddress: async () => `127.0.0.1:${await freePort()}`,
});

transportComplianceSuite("tcp over IPv6", {
  server: () => new TcpTransport(),
  client: () => new TcpTransport(),
  bindAddress: () => "[::1]:0",
  deadAddress: async () => `[::1]:${await freePort("::1")}`,
});
