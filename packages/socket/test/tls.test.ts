import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { TlsTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { RepSocket, ReqSocket } from "../src/index.js";
import { echo, useCleanup } from "./support/sockets.js";
import { pki } from "./support/transports.js";

describe("Req/Rep over TLS: mutual TLS and certificate rotation", () => {
  const track = useCleanup();

  it("with requireClientCert, a client with a certificate from the CA is served and one without is refused", async () => {
    const rep = track(
      new RepSocket(
        new TlsTransport({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requireClientCert: true }),
      ),
    );
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);

    const withCert = track(
      new ReqSocket(
        new TlsTransport({ ca: pki.ca, servername: "localhost", cert: pki.client.cert, key: pki.client.key }),
      ),
    );
    void withCert.connect(address);
    expect(Buffer.from(await withTimeout(withCert.request("mtls"), 5000, "mTLS request")).toString()).toBe(
      "mtls",
    );

    const withoutCert = track(
      new ReqSocket(new TlsTransport({ ca: pki.ca, servername: "localhost" }), {
        retryAttempts: 1,
        reconnectInitialDelay: 10,
      }),
    );
    const error = await withTimeout(rejectionOf(withoutCert.connect(address)), 10_000, "refusal");
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect(isMsgError((error as Error).cause, ErrorCode.HandshakeFailed)).toBe(true);
    await waitFor(
      () => (rep.stats().connectionErrors[ErrorCode.HandshakeFailed] ?? 0) >= 1,
      5000,
      "server counted it",
    );

    const otherCa = track(
      new ReqSocket(
        new TlsTransport({
          ca: pki.ca,
          servername: "localhost",
          cert: pki.otherClient.cert,
          key: pki.otherClient.key,
        }),
        { retryAttempts: 1, reconnectInitialDelay: 10 },
      ),
    );
    expect(
      isMsgError(
        await withTimeout(rejectionOf(otherCa.connect(address)), 10_000, "other CA"),
        ErrorCode.ConnectFailed,
      ),
    ).toBe(true);
  });

  it("swaps certificates for new handshakes while existing connections carry on", async () => {
    const rep = track(new RepSocket(new TlsTransport({ cert: pki.server.cert, key: pki.server.key })));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const before = track(new ReqSocket(new TlsTransport({ ca: pki.ca, servername: "localhost" })));
    void before.connect(address);
    await withTimeout(before.request("before"), 5000, "before the swap");

    await rep.control({ type: "tls.setCertificates", cert: pki.otherServer.cert, key: pki.otherServer.key });

    const after = track(new ReqSocket(new TlsTransport({ ca: pki.otherCa, servername: "localhost" })));
    void after.connect(address);
    expect(Buffer.from(await withTimeout(after.request("new cert"), 5000, "after the swap")).toString()).toBe(
      "new cert",
    );
    expect(
      Buffer.from(await withTimeout(before.request("old conn"), 5000, "old connection")).toString(),
    ).toBe("old conn");

    const stale = track(
      new ReqSocket(new TlsTransport({ ca: pki.ca, servername: "localhost" }), {
        retryAttempts: 1,
        reconnectInitialDelay: 10,
      }),
    );
    expect(
      isMsgError(
        await withTimeout(rejectionOf(stale.connect(address)), 10_000, "old CA refused"),
        ErrorCode.ConnectFailed,
      ),
    ).toBe(true);
  });
});
