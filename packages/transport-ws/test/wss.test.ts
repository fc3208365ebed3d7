import { ErrorCode, isMsgError } from "@msg/core";
import { generateTestPki, Incoming, Reader, Resources, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type WsListener, WssTransport } from "../src/index.js";
import { connectPair, refusal } from "./support.js";

const pki = generateTestPki();
const resources = new Resources();
afterEach(() => resources.closeAll());

async function listen(transport: WssTransport, address = "wss://127.0.0.1:0/msg") {
  const incoming = new Incoming();
  const listener = resources.listener((await transport.bind(address, incoming.push)) as WsListener);
  return { listener, incoming };
}

describe("wss transport", () => {
  it("carries data both ways over TLS; the connection is named wss", async () => {
    const { client, server } = await connectPair(
      resources,
      new WssTransport({ ...pki.server }),
      new WssTransport({ ca: pki.ca }),
      "wss://127.0.0.1:0/msg",
    );
    expect(client.transport).toBe("wss");
    expect(client.remoteAddress).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/msg$/);
    const atServer = new Reader(server);
    const atClient = new Reader(client);
    client.write(Buffer.from("ping"));
    await atServer.until(() => atServer.bytes().toString() === "ping", "ping");
    server.write(Buffer.from("pong"));
    await atClient.until(() => atClient.bytes().toString() === "pong", "pong");
  });

  it("a client that does not trust the server's CA fails with handshake_failed naming OpenSSL's reason", async () => {
    const { listener } = await listen(new WssTransport({ ...pki.server }));
    const error = await refusal(new WssTransport({ ca: pki.otherCa }).connect(listener.localAddress));
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    expect(listener.stats().pending).toBe(0);
  });

  it("the server name is checked: a certificate for localhost does not pass for another name", async () => {
    const { listener } = await listen(new WssTransport({ ...pki.server }));
    const error = await refusal(
      new WssTransport({ ca: pki.ca, servername: "elsewhere.example" }).connect(listener.localAddress),
    );
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  for (const maxVersion of ["TLSv1.2", "TLSv1.3"] as const) {
    it(`mutual TLS (${maxVersion}): a client without a certificate, or with one from another CA, is refused; the listener counts TLS failures`, async () => {
      const { listener, incoming } = await listen(
        new WssTransport({ ...pki.server, ca: pki.ca, requireClientCert: true, maxVersion }),
      );
      for (const client of [
        new WssTransport({ ca: pki.ca }),
        new WssTransport({ ...pki.otherClient, ca: pki.ca }),
      ]) {
        const error = await refusal(client.connect(listener.localAddress));
        expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
      }
      expect(listener.stats()).toMatchObject({ tlsFailed: 2, pending: 0 });
      const accepted = incoming.next().then((pending) => pending.accept());
      resources.connection(
        await new WssTransport({ ...pki.client, ca: pki.ca }).connect(listener.localAddress),
      );
      resources.connection(await accepted);
    });
  }

  it('"tls.setCertificates" switches the certificate for new handshakes; established connections stay up', async () => {
    const server = new WssTransport({ ...pki.server });
    const { listener, incoming } = await listen(server);
    const first = incoming.next().then((pending) => pending.accept());
    const old = resources.connection(await new WssTransport({ ca: pki.ca }).connect(listener.localAddress));
    const oldServer = resources.connection(await first);

    await listener.control({ type: "tls.setCertificates", ...pki.otherServer });
    const stale = await refusal(new WssTransport({ ca: pki.ca }).connect(listener.localAddress));
    expect(isMsgError(stale, ErrorCode.HandshakeFailed)).toBe(true);
    const second = incoming.next().then((pending) => pending.accept());
    resources.connection(await new WssTransport({ ca: pki.otherCa }).connect(listener.localAddress));
    resources.connection(await second);

    const atOldServer = new Reader(oldServer);
    old.write(Buffer.from("old session"));
    await atOldServer.until(
      () => atOldServer.bytes().toString() === "old session",
      "data on the old connection",
    );
  });

  it('an unusable "tls.setCertificates" rejects with invalid_argument and keeps the current certificate', async () => {
    const { listener, incoming } = await listen(new WssTransport({ ...pki.server }));
    const missing = await refusal(listener.control({ type: "tls.setCertificates", cert: pki.server.cert }));
    expect(isMsgError(missing, ErrorCode.InvalidArgument)).toBe(true);
    const garbage = await refusal(
      listener.control({ type: "tls.setCertificates", cert: "junk", key: "junk" }),
    );
    expect(isMsgError(garbage, ErrorCode.InvalidArgument)).toBe(true);
    const unknown = await refusal(listener.control({ type: "nonsense" }));
    expect(isMsgError(unknown, ErrorCode.UnsupportedControl)).toBe(true);
    const accepted = incoming.next().then((pending) => pending.accept());
    resources.connection(await new WssTransport({ ca: pki.ca }).connect(listener.localAddress));
    resources.connection(await withTimeout(accepted, 5000, "accept with the original certificate"));
  });

  it("binding without cert and key, or with unusable ones, rejects with invalid_argument", async () => {
    for (const options of [{}, { cert: pki.server.cert }, { cert: "junk", key: "junk" }]) {
      const error = await refusal(new WssTransport(options).bind("wss://127.0.0.1:0/", () => {}));
      expect(isMsgError(error, ErrorCode.InvalidArgument), JSON.stringify(Object.keys(options))).toBe(true);
    }
  });
});
