import { transportComplianceSuite } from "@msg/core/compliance";
import { freePort, generateTestPki } from "@msg/core/testing";
import { TlsTransport } from "../src/index.js";

const pki = generateTestPki();
const deadAddress = async () => `127.0.0.1:${await freePort()}`;

transportComplianceSuite("tls (TLS 1.3, server certificate only)", {
  server: () => new TlsTransport({ ...pki.server }),
  client: () => new TlsTransport({ ca: pki.ca, servername: "localhost" }),
  bindAddress: () => "127.0.0.1:0",
  deadAddress,
});

transportComplianceSuite("tls (mutual TLS 1.3, over IPv6)", {
  server: () => new TlsTransport({ ...pki.server, ca: pki.ca, requireClientCert: true }),
  client: () => new TlsTransport({ ...pki.client, ca: pki.ca }),
  bindAddress: () => "[::1]:0",
  deadAddress: async () => `[::1]:${await freePort("::1")}`,
});

transportComplianceSuite("tls (mutual TLS 1.2)", {
  server: () => new TlsTransport({ ...pki.server, ca: pki.ca, requireClientCert: true }),
  client: () =>
    new TlsTransport({ ...pki.client, ca: pki.ca, servername: "localhost", maxVersion: "TLSv1.2" }),
  bindAddress: () => "127.0.0.1:0",
  deadAddress,
});
