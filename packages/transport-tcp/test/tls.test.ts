import { once } from "node:events";
import { createServer, connect as rawConnect, type Socket } from "node:net";
import { ErrorCode, isMsgError } from "@msg/core";
import type { NetListener } from "@msg/core/node";
import { generateTestPki, Incoming, Reader, Resources, rejectionOf, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { TlsTransport, type TlsTransportOptions, type TlsVersion } from "../src/index.js";

const pki = generateTestPki();
const resources = new Resources();
let incoming = new Incoming();

afterEach(async () => {
  incoming.rejectAll();
  incoming = new Incoming();
  await resources.closeAll();
});

async function listen(options: TlsTransportOptions): Promise<NetListener> {
  return resources.listener(await new TlsTransport(options).bind("127.0.0.1:0", incoming.push));
}

/** Connects with `client` while accepting the next incoming connection; both outcomes, settled. */
async function connectAndAccept(listener: NetListener, client: TlsTransportOptions) {
  const connecting = new TlsTransport(client).connect(listener.localAddress).then(
    (connection) => resources.connection(connection),
    (error: unknown) => error as Error,
  );
  const accepting = incoming.next().then((pending) =>
    pending.accept().then(
      (connection) => resources.connection(connection),
      (error: unknown) => error as Error,
    ),
  );
  const [clientSide, serverSide] = await withTimeout(
    Promise.all([connecting, accepting]),
    5000,
    "connect and accept to settle",
  );
  return { clientSide, serverSide };
}

describe("TLS handshakes run in accept(), each bounded by handshakeTimeout", () => {
  it("a raw TCP client that sends nothing does not hold up a real TLS client, and its own accept() times out", async () => {
    const listener = await listen({ ...pki.server, handshakeTimeout: 1000 });
    const { port } = listener.localAddress.match(/:(?<port>\d+)$/)!.groups!;
    const silent = rawConnect(Number(port), "127.0.0.1");
    resources.add(() => silent.destroy());
    const silentAccept = incoming.next().then((pending) => rejectionOf(pending.accept()));
    await once(silent, "connect");

    const started = Date.now();
    const { clientSide, serverSide } = await connectAndAccept(listener, { ca: pki.ca });
    expect(clientSide).not.toBeInstanceOf(Error);
    expect(serverSide).not.toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(1000);

    const error = await withTimeout(silentAccept, 5000, "the silent client's accept to fail");
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toMatch(/no handshake within 1000 ms/);
    await withTimeout(once(silent, "close"), 5000, "the silent client to be disconnected");
    expect(listener.stats()).toMatchObject({ accepted: 1, acceptFailed: 1, pending: 0 });
  });

  it("the client's connect() fails with handshake_failed when the server never answers the handshake", async () => {
    const mute = resources.server(createServer((socket) => resources.add(() => socket.destroy())));
    mute.listen(0, "127.0.0.1");
    await once(mute, "listening");
    const address = `127.0.0.1:${(mute.address() as { port: number }).port}`;
    const started = Date.now();
    const error = await rejectionOf(new TlsTransport({ handshakeTimeout: 300 }).connect(address));
    expect(isMsgError(error, ErrorCode.HandshakeFailed)).toBe(true);
    expect((error as Error).message).toMatch(/no handshake within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("an AbortSignal cancels a connect waiting for its handshake", async () => {
    const accepted: Socket[] = [];
    const mute = resources.server(createServer((socket) => accepted.push(socket)));
    resources.add(() => {
      for (const socket of accepted) socket.destroy();
    });
    mute.listen(0, "127.0.0.1");
    await once(mute, "listening");
    const address = `127.0.0.1:${(mute.address() as { port: number }).port}`;
    const controller = new AbortController();
    const connecting = rejectionOf(new TlsTransport().connect(address, { signal: controller.signal }));
    const [socket] = (await withTimeout(once(mute, "connection"), 5000, "the TCP connection")) as [Socket];
    controller.abort();
    const error = await withTimeout(connecting, 1000, "the aborted connect to reject");
    expect(isMsgError(error, ErrorCode.Aborted)).toBe(true);
    await withTimeout(
      once(socket.resume(), "close"),
      5000,
      "the server side of the aborted connect to close",
    );
  });
});

describe.each<TlsVersion>(["TLSv1.3", "TLSv1.2"])("mutual TLS refusals over %s", (version) => {
  const server = { ...pki.server, ca: pki.ca, requireClientCert: true };

  it("a client without a certificate: both sides fail with handshake_failed", async () => {
    const listener = await listen(server);
    const { clientSide, serverSide } = await connectAndAccept(listener, { ca: pki.ca, maxVersion: version });
    expect(isMsgError(clientSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect(isMsgError(serverSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect((serverSide as Error).message).toMatch(/ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE/);
    expect((clientSide as Error).message).toMatch(
      version === "TLSv1.3"
        ? /ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/
        : /ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE/,
    );
    expect(listener.stats()).toMatchObject({ accepted: 0, acceptFailed: 1 });
  });

  it("a client certificate from an unknown CA: accept() fails with the verification error", async () => {
    const listener = await listen(server);
    const { clientSide, serverSide } = await connectAndAccept(listener, {
      ...pki.otherClient,
      ca: pki.ca,
      maxVersion: version,
    });
    expect(isMsgError(serverSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect((serverSide as Error).message).toMatch(
      /client certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
    // TLS 1.3: the wait for the server's session ticket sees the refusal. TLS 1.2: the server closes
    // before its Finished message leaves, so the client's handshake fails outright.
    expect(isMsgError(clientSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect((clientSide as Error).message).toMatch(
      version === "TLSv1.3" ? /refused our client certificate/ : /closed the connection during the handshake/,
    );
  });

  it("a client certificate from the trusted CA is accepted", async () => {
    const listener = await listen(server);
    const { clientSide, serverSide } = await connectAndAccept(listener, {
      ...pki.client,
      ca: pki.ca,
      maxVersion: version,
    });
    expect(clientSide).not.toBeInstanceOf(Error);
    expect(serverSide).not.toBeInstanceOf(Error);
  });
});

describe("server verification by the client", () => {
  it("refuses a server whose CA it does not trust, unless rejectUnauthorized is false", async () => {
    const listener = await listen(pki.server);
    const refused = await connectAndAccept(listener, {});
    expect(isMsgError(refused.clientSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect((refused.clientSide as Error).message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(isMsgError(refused.serverSide, ErrorCode.HandshakeFailed)).toBe(true);

    const trusting = await connectAndAccept(listener, { rejectUnauthorized: false });
    expect(trusting.clientSide).not.toBeInstanceOf(Error);
  });

  it("checks the servername against the certificate", async () => {
    const listener = await listen(pki.server);
    const wrongName = await connectAndAccept(listener, { ca: pki.ca, servername: "example.com" });
    expect(isMsgError(wrongName.clientSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect((wrongName.clientSide as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it("checks an IP address against the certificate's IP names when no servername is given", async () => {
    const listener = await listen(pki.server);
    const byIp = await connectAndAccept(listener, { ca: pki.ca });
    expect(byIp.clientSide).not.toBeInstanceOf(Error);
  });

  it("uses the host name of the address as servername", async () => {
    const listener = await listen(pki.server);
    const port = listener.localAddress.split(":").pop();
    const connecting = new TlsTransport({ ca: pki.ca }).connect(`localhost:${port}`);
    const server = await (await incoming.next()).accept();
    resources.connection(server);
    const client = resources.connection(await withTimeout(connecting, 5000, "connect by name"));
    expect(client.remoteAddress).toBe(listener.localAddress);
  });
});

describe('listener.control({ type: "tls.setCertificates" })', () => {
  const trustsMain = { ca: pki.ca, servername: "localhost" };
  const trustsOther = { ca: pki.otherCa, servername: "localhost" };

  it("new handshakes use the new certificate while existing connections stay up", async () => {
    const listener = await listen(pki.server);
    const before = await connectAndAccept(listener, trustsMain);
    expect(before.clientSide).not.toBeInstanceOf(Error);
    expect(
      isMsgError((await connectAndAccept(listener, trustsOther)).clientSide, ErrorCode.HandshakeFailed),
    ).toBe(true);

    await listener.control({ type: "tls.setCertificates", ...pki.otherServer });

    expect((await connectAndAccept(listener, trustsOther)).clientSide).not.toBeInstanceOf(Error);
    expect(
      isMsgError((await connectAndAccept(listener, trustsMain)).clientSide, ErrorCode.HandshakeFailed),
    ).toBe(true);
    const client = before.clientSide as Exclude<typeof before.clientSide, Error>;
    const server = before.serverSide as Exclude<typeof before.serverSide, Error>;
    const atClient = new Reader(client);
    const atServer = new Reader(server);
    client.write(Buffer.from("still up"));
    server.write(Buffer.from("still here"));
    await atServer.untilText("still up");
    await atClient.untilText("still here");
  });

  it("refuses unusable certificates with invalid_argument and keeps the current ones", async () => {
    const listener = await listen(pki.server);
    const garbage = await rejectionOf(
      listener.control({ type: "tls.setCertificates", cert: "nope", key: "nope" }),
    );
    expect(isMsgError(garbage, ErrorCode.InvalidArgument)).toBe(true);
    const missing = await rejectionOf(
      listener.control({ type: "tls.setCertificates", cert: pki.otherServer.cert }),
    );
    expect(isMsgError(missing, ErrorCode.InvalidArgument)).toBe(true);
    expect((await connectAndAccept(listener, trustsMain)).clientSide).not.toBeInstanceOf(Error);
  });
});

describe("TLS 1.3 handshake confirmation", () => {
  it("data the server sends right after accept reaches the client intact and in order", async () => {
    const listener = await listen(pki.server);
    const connecting = new TlsTransport({ ca: pki.ca }).connect(listener.localAddress);
    const server = resources.connection(await (await incoming.next()).accept());
    server.write(Buffer.from("first,"));
    server.write(Buffer.from("second,"));
    const client = resources.connection(await withTimeout(connecting, 5000, "connect"));
    const reader = new Reader(client);
    server.write(Buffer.from("third"));
    await reader.untilText("first,second,third");
    expect(reader.text()).toBe("first,second,third");
  });

  it("with confirmTimeout 0, a refused client certificate surfaces as the connection closing with the TLS alert", async () => {
    const listener = await listen({ ...pki.server, ca: pki.ca, requireClientCert: true });
    const { clientSide, serverSide } = await connectAndAccept(listener, { ca: pki.ca, confirmTimeout: 0 });
    expect(isMsgError(serverSide, ErrorCode.HandshakeFailed)).toBe(true);
    expect(clientSide).not.toBeInstanceOf(Error);
    const reader = new Reader(clientSide as Exclude<typeof clientSide, Error>);
    await reader.untilClosed();
    expect((reader.closeError as NodeJS.ErrnoException | undefined)?.code).toBe(
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
    );
  });
});

it("bind without a certificate rejects with invalid_argument", async () => {
  const error = await rejectionOf(new TlsTransport({ ca: pki.ca }).bind("127.0.0.1:0", incoming.push));
  expect(isMsgError(error, ErrorCode.InvalidArgument)).toBe(true);
});
