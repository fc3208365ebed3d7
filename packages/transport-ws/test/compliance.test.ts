import { transportComplianceSuite } from "@msg/core/compliance";
import { freePort, generateTestPki } from "@msg/core/testing";
import { WssTransport, WsTransport } from "../src/index.js";

transportComplianceSuite("ws over IPv4", {
  server: () => new WsTransport(),
  client: () => new WsTransport(),
  bindAddress: () => "ws://127.0.0.1:0/msg",
  deadAddress: async () => `ws://127.0.0.1:${await freePort()}/msg`,
});

transportComplianceSuite("ws over IPv6, host:port addresses", {
  server: () => new WsTransport(),
  client: () => new WsTransport(),
  bindAddress: () => "[::1]:0",
  deadAddress: async () => `[::1]:${await freePort("::1")}`,
});

const pki = generateTestPki();

transportComplianceSuite("wss (TLS 1.3, server certificate only)", {
  server: () => new WssTransport({ ...pki.server }),
  client: () => new WssTransport({ ca: pki.ca, servername: "localhost" }),
  bindAddress: () => "wss://127.0.0.1:0/msg",
  deadAddress: async () => `wss://127.0.0.1:${await freePort()}/msg`,
});

transportComplianceSuite("wss (mutual TLS 1.3, over IPv6)", {
  server: () => new WssTransport({ ...pki.server, ca: pki.ca, requireClientCert: true }),
  client: () => new WssTransport({ ...pki.client, ca: pki.ca }),
  bindAddress: () => "wss://[::1]:0/",
  deadAddress: async () => `wss://[::1]:${await freePort("::1")}/`,
});

transportComplianceSuite("wss (mutual TLS 1.2)", {
  server: () => new WssTransport({ ...pki.server, ca: pki.ca, requireClientCert: true }),
  client: () =>
    new WssTransport({ ...pki.client, ca: pki.ca, servername: "localhost", maxVersion: "TLSv1.2" }),
  bindAddress: () => "wss://127.0.0.1:0/",
  deadAddress: async () => `wss://127.0.0.1:${await freePort()}/`,
});
