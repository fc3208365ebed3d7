import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { isMsgError } from "@msg/core";
import { generateTestPki, Reader, Resources, rejectionOf } from "@msg/core/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QuicTransport } from "../src/index.js";
import { bindQueue, testTransport } from "./helpers.js";

const resources = new Resources();
afterEach(() => resources.closeAll());

/** One throwaway PKI for these tests (generated with openssl, never committed). */
const pki = generateTestPki();

/** Connects, sends `ping`, and checks the server received it over the accepted connection. */
async function roundTrip(server: QuicTransport, client: QuicTransport, bindAddress = "127.0.0.1:0") {
  const bound = await bindQueue(server, resources, bindAddress);
  const connection = resources.connection(await client.connect(bound.listener.localAddress));
  connection.write(Buffer.from("ping"));
  const accepted = await bound.next();
  const reader = new Reader(accepted);
  await reader.untilLength(4);
  expect(reader.text()).toBe("ping");
  expect(accepted.remoteAddress).toBe(connection.localAddress);
  expect(accepted.transport).toBe("quic");
  return { bound, connection, accepted };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MsgErrorLike> {
  const error = await rejectionOf(promise);
  expect(isMsgError(error), `expected a MsgError ${code}, got ${String(error)}`).toBe(true);
  expect((error as MsgErrorLike).code).toBe(code);
  return error as MsgErrorLike;
}
type MsgErrorLike = { code: string; message: string };

/**
 * A client for handshakes that fail: the refusal must be what is reported, not the handshake timeout, so
 * the timeout is generous for a busy machine.
 */
function refusing(options: ConstructorParameters<typeof QuicTransport>[0]): QuicTransport {
  return new QuicTransport({ handshakeTimeout: 10_000, ...options });
}

describe("QUIC handshake", () => {
  it("works with the defaults: self-signed certificate for localhost, no verification, ALPN msg", async () => {
    const transport = testTransport();
    await roundTrip(transport, transport);
  });

  it("speaks IPv6", async () => {
    const transport = testTransport();
    const { bound, connection, accepted } = await roundTrip(transport, transport, "[::1]:0");
    expect(bound.listener.localAddress).toMatch(/^\[::1\]:\d+$/);
    expect(accepted.remoteAddress).toMatch(/^\[::1\]:\d+$/);
    expect(connection.remoteAddress).toBe(bound.listener.localAddress);
  });

  it("resolves host names for bind and connect", async () => {
    const transport = testTransport();
    const bound = await bindQueue(transport, resources, "localhost:0");
    // Bound to what `localhost` resolves to, reported as an address rather than the name.
    expect(bound.listener.localAddress).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
    const port = Number(bound.listener.localAddress.split(":").pop());
    const connection = resources.connection(await transport.connect(`localhost:${port}`));
    expect(connection.remoteAddress).toBe(bound.listener.localAddress);
    connection.write(Buffer.from("x"));
    const accepted = await bound.next();
    const reader = new Reader(accepted);
    await reader.untilLength(1);
    expect(reader.text()).toBe("x");
    expect(accepted.remoteAddress).toBe(connection.localAddress);
  });

  it("reports IPv4 peers of a dual-stack listener in IPv4 form", async () => {
    const transport = testTransport();
    const bound = await bindQueue(transport, resources, "[::]:0");
    const port = Number(bound.listener.localAddress.split(":").pop());
    const connection = resources.connection(await transport.connect(`127.0.0.1:${port}`));
    connection.write(Buffer.from("x"));
    const accepted = await bound.next();
    expect(accepted.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("refuses a client whose ALPN differs, with handshake_failed", async () => {
    const bound = await bindQueue(testTransport(), resources);
    const error = await expectCode(
      refusing({ alpn: "not-msg" }).connect(bound.listener.localAddress),
      "handshake_failed",
    );
    expect(error.message).toMatch(/no_application_protocol/);
  });

  it("connects with a matching custom ALPN", async () => {
    const transport = testTransport({ alpn: "msg/test" });
    await roundTrip(transport, transport);
  });

  it("does not verify the server by default, even with an untrusted certificate", async () => {
    await roundTrip(testTransport({ ...pki.otherName }), testTransport());
  });

  it("verifies the server against a custom CA when verifyPeer is on", async () => {
    const server = testTransport({ ...pki.server });
    const client = testTransport({ verifyPeer: true, ca: pki.ca });
    await roundTrip(server, client);
  });

  it("refuses a server certificate not signed by the CA", async () => {
    const bound = await bindQueue(testTransport(), resources); // self-signed, generated at bind
    const error = await expectCode(
      refusing({ verifyPeer: true, ca: pki.ca }).connect(bound.listener.localAddress),
      "handshake_failed",
    );
    expect(error.message).toMatch(/certificate/);
  });

  it("refuses a certificate for another name, and accepts it with the right servername", async () => {
    const bound = await bindQueue(testTransport({ ...pki.otherName }), resources);
    await expectCode(
      refusing({ verifyPeer: true, ca: pki.ca }).connect(bound.listener.localAddress),
      "handshake_failed",
    );
    const client = testTransport({ verifyPeer: true, ca: pki.ca, servername: "other.example" });
    const connection = resources.connection(await client.connect(bound.listener.localAddress));
    connection.write(Buffer.from("x"));
    const accepted = new Reader(await bound.next());
    await accepted.untilLength(1);
    expect(accepted.text()).toBe("x");
  });

  it("swaps the certificate for new handshakes with quic.setCertificates", async () => {
    const bound = await bindQueue(testTransport(), resources);
    const verifying = refusing({ verifyPeer: true, ca: pki.ca });
    await expectCode(verifying.connect(bound.listener.localAddress), "handshake_failed");
    const before = resources.connection(await testTransport().connect(bound.listener.localAddress));
    before.write(Buffer.from("a"));
    const beforeAccepted = new Reader(await bound.next());

    await bound.listener.control({ type: "quic.setCertificates", ...pki.server });
    const after = resources.connection(await verifying.connect(bound.listener.localAddress));
    after.write(Buffer.from("b"));
    const afterAccepted = new Reader(await bound.next());
    await afterAccepted.untilLength(1);
    expect(afterAccepted.text()).toBe("b");
    // The connection made before the swap is untouched.
    before.write(Buffer.from("c"));
    await beforeAccepted.untilLength(2);
    expect(beforeAccepted.text()).toBe("ac");
  });

  it("rejects unknown control messages and malformed certificates", async () => {
    const bound = await bindQueue(testTransport(), resources);
    await expectCode(bound.listener.control({ type: "tls.setCertificates" }), "unsupported_control");
    await expectCode(bound.listener.control({ type: "quic.setCertificates", cert: 1 }), "invalid_argument");
  });
});

describe("QUIC connect and bind errors", () => {
  it("fails with connect_failed when nothing answers within handshakeTimeout", async () => {
    const silent = await bindQueue(testTransport(), resources);
    const port = Number(silent.listener.localAddress.split(":").pop());
    await silent.listener.close(); // nothing listens on the port any more
    const started = Date.now();
    await expectCode(testTransport({ handshakeTimeout: 300 }).connect(`127.0.0.1:${port}`), "connect_failed");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("aborts a connect promptly through its signal", async () => {
    const silent = await bindQueue(testTransport(), resources);
    const port = Number(silent.listener.localAddress.split(":").pop());
    await silent.listener.close();
    const controller = new AbortController();
    const connecting = testTransport().connect(`127.0.0.1:${port}`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expectCode(connecting, "aborted");
    expect(Date.now() - started).toBeLessThan(1_000);
    await expectCode(testTransport().connect(`127.0.0.1:${port}`, { signal: controller.signal }), "aborted");
  });

  it("rejects malformed and unresolvable addresses with invalid_address", async () => {
    const transport = testTransport();
    await expectCode(transport.connect("no-port"), "invalid_address");
    await expectCode(transport.connect("::1:5000"), "invalid_address");
    await expectCode(transport.connect("127.0.0.1:0"), "invalid_address");
    await expectCode(transport.connect("does-not-exist.invalid:4000"), "invalid_address");
    await expectCode(
      transport.bind("127.0.0.1", () => {}),
      "invalid_address",
    );
  });

  it("fails with bind_failed when the port is taken", async () => {
    const bound = await bindQueue(testTransport(), resources);
    await expectCode(
      testTransport().bind(bound.listener.localAddress, () => {}),
      "bind_failed",
    );
  });

  it("sizes both UDP sockets' buffers to udpBufferSize; 0 leaves the system's", async () => {
    const sized = vi.spyOn(dgram.Socket.prototype, "setRecvBufferSize");
    try {
      const transport = testTransport({ udpBufferSize: 1 << 20 });
      await roundTrip(transport, transport);
      // Server socket at bind, client socket at connect. Linux caps the size at rmem_max, then doubles it.
      expect(sized.mock.calls).toEqual([[1 << 20], [1 << 20]]);
      const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
      for (const socket of sized.mock.contexts as dgram.Socket[]) {
        expect(socket.getRecvBufferSize()).toBe(2 * Math.min(1 << 20, rmemMax));
      }
      sized.mockClear();
      const untouched = testTransport({ udpBufferSize: 0 });
      await roundTrip(untouched, untouched);
      expect(sized).not.toHaveBeenCalled();
    } finally {
      sized.mockRestore();
    }
  });

  it("rejects out-of-range options with invalid_argument", () => {
    const invalid = [
      { keepAliveInterval: 20_000, idleTimeout: 10_000 },
      { initialMtu: 1000 },
      { cert: "only a cert" },
      { alpn: "" },
      { handshakeTimeout: 0 },
      { maxPendingConnections: 0 },
      { udpBufferSize: -1 },
      { udpBufferSize: 1.5 },
    ];
    for (const options of invalid) {
      expect(() => new QuicTransport(options), JSON.stringify(options)).toThrowError(
        expect.objectContaining({ code: "invalid_argument" }),
      );
    }
  });
});
