// Mutual TLS: the server requires a client certificate signed by its CA. A client with one is served;
// a client without one is refused during the handshake. (The certificates are a throwaway PKI made with
// openssl for this example; use your own in production.)
// Run: node --import tsx examples/reqrep_mtls.ts
import { generateTestPki } from "@msg/core/testing";
import { isMsgError, RepSocket, ReqSocket, TlsTransport } from "@msg/msg";

const pki = generateTestPki();
const rep = new RepSocket(
  new TlsTransport({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requireClientCert: true }),
);
const address = await rep.bind("127.0.0.1:0");
rep.on("peerError", ({ error }) => console.log(`server: refused a client (${error.code})`));
const serving = (async () => {
  for await (const request of rep) request.respond(`hello, ${request.peer}`);
})();

const trusted = new ReqSocket(
  new TlsTransport({ ca: pki.ca, servername: "localhost", cert: pki.client.cert, key: pki.client.key }),
);
await trusted.connect(address);
console.log(`trusted client: ${Buffer.from(await trusted.request("hi"))}`);

const anonymous = new ReqSocket(new TlsTransport({ ca: pki.ca, servername: "localhost" }), {
  retryAttempts: 0,
});
try {
  await anonymous.connect(address);
} catch (error) {
  const cause = (error as Error).cause;
  console.log(
    `anonymous client: ${isMsgError(error) ? error.code : error} (${isMsgError(cause) ? cause.code : cause})`,
  );
}
await Promise.all([trusted.close(), anonymous.close()]);
await rep.close();
await serving;
