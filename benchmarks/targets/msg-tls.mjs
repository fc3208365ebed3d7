// msg's sockets over TLS (node:tls), against raw node:net: the ratio includes the cost of encryption.
import { msgTarget } from "../lib/msg-target.mjs";

export default msgTarget({
  name: "msg-tls",
  baseline: "raw-net",
  // A throwaway PKI per server (openssl); its clients get the CA with the address.
  shared: async () => {
    const { generateTestPki } = await import("@msg/core/testing");
    const pki = generateTestPki();
    return { ca: pki.ca, cert: pki.server.cert, key: pki.server.key };
  },
  transport: async (side, { ca, cert, key }) => {
    const { TlsTransport } = await import("@msg/transport-tcp");
    return side === "server"
      ? new TlsTransport({ cert, key })
      : new TlsTransport({ ca, servername: "localhost" });
  },
  bindAddress: () => "127.0.0.1:0",
});
