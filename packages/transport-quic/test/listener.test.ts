import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { isMsgError, type PendingConnection } from "@msg/core";
import { Reader, Resources, rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { QuicTransportOptions } from "../src/index.js";
import { bindQueue, testTransport } from "./helpers.js";

const resources = new Resources();
afterEach(() => resources.closeAll());

async function setup(options: QuicTransportOptions = {}) {
  const transport = testTransport(options);
  const server = await bindQueue(transport, resources);
  const connect = async () => resources.connection(await transport.connect(server.listener.localAddress));
  return { transport, server, listener: server.listener, connect };
}

/** The error `promise` rejects with, waited for at most 10 s. */
const rejection = (promise: Promise<unknown>) => withTimeout(rejectionOf(promise), 10_000, "a rejection");

describe("QUIC listener", () => {
  it("offers a connection as soon as its handshake completes; accept() waits for the stream", async () => {
    const { server, connect } = await setup();
    const client = await connect();
    const pending = await server.pending();
    expect(pending.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    let accepted = false;
    const first = pending.accept();
    expect(pending.accept()).toBe(first);
    const accepting = first.then((connection) => {
      accepted = true;
      return resources.connection(connection);
    });
    // Nothing was written: the server cannot know of the stream yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(accepted).toBe(false);
    client.write(Buffer.from("first bytes"));
    const reader = new Reader(await withTimeout(accepting, 10_000, "accept"));
    await reader.untilLength(11);
    expect(reader.text()).toBe("first bytes");
  });

  it("accepts a stream that arrived before accept() was called", async () => {
    const { server, connect, listener } = await setup();
    const client = await connect();
    const pending = await server.pending();
    client.write(Buffer.from("early"));
    // Either order must work; this gives the stream time to arrive first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reader = new Reader(resources.connection(await pending.accept()));
    await reader.untilLength(5);
    expect(reader.text()).toBe("early");
    expect(listener.stats()).toMatchObject({ pending: 0, accepted: 1, open: 1 });
  });

  it("reject() closes the QUIC connection; the client sees connection_lost", async () => {
    const { server, connect, listener } = await setup();
    const reader = new Reader(await connect());
    const pending = await server.pending();
    pending.reject();
    await reader.untilClosed(5_000);
    expect(isMsgError(reader.closeError, "connection_lost")).toBe(true);
    expect(reader.closeError?.message).toMatch(/application code 2/);
    expect(isMsgError(await rejection(pending.accept()), "handshake_failed")).toBe(true);
    expect(listener.stats()).toMatchObject({ pending: 0, rejected: 1, accepted: 0 });
  });

  it("closes a connection whose stream does not come within firstStreamTimeout", async () => {
    const { server, connect, listener } = await setup({ firstStreamTimeout: 200 });
    const reader = new Reader(await connect());
    const pending = await server.pending();
    const error = await rejection(pending.accept());
    expect(isMsgError(error, "handshake_failed")).toBe(true);
    expect((error as Error).message).toMatch(/no stream from the peer within 200 ms/);
    await reader.untilClosed(5_000);
    expect(listener.stats()).toMatchObject({ pending: 0, timedOut: 1 });
  });

  it("refuses connections beyond maxPendingConnections and counts them", async () => {
    const { server, connect, listener } = await setup({ maxPendingConnections: 1 });
    const first = await connect();
    const firstPending = await server.pending();
    const second = new Reader(await connect());
    await second.untilClosed(5_000);
    expect(isMsgError(second.closeError, "connection_lost")).toBe(true);
    expect(listener.stats()).toMatchObject({ pending: 1, refusedFull: 1 });
    // The waiting one is unaffected and, once accepted, frees its slot.
    first.write(Buffer.from("x"));
    resources.connection(await firstPending.accept());
    const third = await connect();
    third.write(Buffer.from("y"));
    await new Reader(await server.next()).untilLength(1);
    expect(listener.stats()).toMatchObject({ pending: 0, accepted: 2, refusedFull: 1 });
  });

  it("fails accept() when the client goes away before opening its stream", async () => {
    const { server, connect, listener } = await setup();
    const client = await connect();
    const pending = await server.pending();
    client.destroy();
    const error = await rejection(pending.accept());
    expect(isMsgError(error, "handshake_failed")).toBe(true);
    expect((error as Error).message).toMatch(/closed before opening its stream/);
    expect(listener.stats()).toMatchObject({ pending: 0, peerClosed: 1 });
  });

  it("accepts a client that ends its stream without writing: the connection just ends", async () => {
    const { server, connect } = await setup();
    const client = await connect();
    client.end();
    const reader = new Reader(await server.next());
    await reader.until(() => reader.ended, "end");
    expect(reader.length).toBe(0);
  });

  it("refuses the connection when the bind callback throws, and keeps listening", async () => {
    const transport = testTransport();
    let calls = 0;
    const accepted: PendingConnection[] = [];
    const listener = resources.listener(
      await transport.bind("127.0.0.1:0", (pending) => {
        calls++;
        if (calls === 1) throw new Error("callback bug");
        accepted.push(pending);
      }),
    );
    const refused = new Reader(resources.connection(await transport.connect(listener.localAddress)));
    await refused.untilClosed(5_000);
    const good = resources.connection(await transport.connect(listener.localAddress));
    good.write(Buffer.from("ok"));
    await waitFor(() => accepted.length === 1, 5_000, "the second connection");
    await new Reader(resources.connection(await accepted[0]!.accept())).untilLength(2);
    expect(listener.stats()).toMatchObject({ rejected: 1, accepted: 1 });
  });

  it("close() refuses pending connections, keeps accepted ones, and frees the port after them", async () => {
    const { server, connect, listener, transport } = await setup({ handshakeTimeout: 500 });
    const kept = await connect();
    kept.write(Buffer.from("a"));
    const keptAtServer = await server.next();
    const waiting = new Reader(await connect());
    const waitingPending = await server.pending();

    await listener.close();
    expect(isMsgError(await rejection(waitingPending.accept()), "handshake_failed")).toBe(true);
    await waiting.untilClosed(5_000);
    expect(listener.stats()).toMatchObject({ listenerClosed: 1, open: 1 });

    // No new handshakes are answered...
    const refused = await rejection(transport.connect(listener.localAddress));
    expect(isMsgError(refused, "connect_failed")).toBe(true);
    // ...but the accepted connection still works both ways.
    const atServer = new Reader(keptAtServer);
    const atClient = new Reader(kept);
    kept.write(Buffer.from("b"));
    keptAtServer.write(Buffer.from("c"));
    await atServer.untilLength(2);
    await atClient.untilLength(1);

    // Once it is gone, the UDP port is released and can be bound again.
    kept.destroy();
    await atServer.untilClosed(5_000);
    await waitFor(() => listener.stats().open === 0, 5_000, "the accepted connection to drain");
    const rebound = await withTimeout(
      (async () => {
        for (;;) {
          try {
            return await transport.bind(listener.localAddress, () => {});
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      })(),
      5_000,
      "the port to be free again",
    );
    resources.listener(rebound);
    expect(rebound.localAddress).toBe(listener.localAddress);
  });

  it("close() is prompt and frees the port at once when nothing was accepted", async () => {
    const { server, connect, listener, transport } = await setup();
    await connect();
    await server.pending();
    const started = Date.now();
    await listener.close();
    expect(Date.now() - started).toBeLessThan(500);
    resources.listener(await transport.bind(listener.localAddress, () => {}));
  });

  it("drops Initial packets beyond maxPendingConnections handshakes in progress, and counts them", async () => {
    const { server, connect, listener } = await setup({ maxPendingConnections: 2 });
    const udp = dgram.createSocket("udp4");
    try {
      await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", () => resolve()));
      const port = Number(listener.localAddress.split(":")[1]);
      // Five handshakes in one burst that never complete (their payload does not decrypt): two are
      // taken in (quiche gives up on them shortly after), the three arriving meanwhile are dropped.
      for (let i = 0; i < 5; i++) udp.send(fakeInitial(), port, "127.0.0.1");
      await waitFor(() => listener.stats().refusedHandshakes === 3, 5_000, "three dropped handshakes");
    } finally {
      udp.close();
    }
    expect(listener.stats()).toMatchObject({ pending: 0, refusedHandshakes: 3 });
    // Once those two are gone, a real client gets in.
    const client = await connect();
    client.write(Buffer.from("x"));
    await new Reader(await server.next()).untilLength(1);
  });
});

/**
 * A datagram that parses as a QUIC v1 Initial packet with fresh connection ids, padded to 1200 bytes,
 * whose payload is random (it never decrypts).
 */
function fakeInitial(): Buffer {
  const header = Buffer.concat([
    Buffer.from([0xc0, 0, 0, 0, 1]), // long header, Initial, version 1
    Buffer.from([8]),
    randomBytes(8), // destination connection id
    Buffer.from([8]),
    randomBytes(8), // source connection id
    Buffer.from([0]), // no token
    Buffer.from([0x44, 0x90]), // length: 1168 (two-byte varint)
  ]);
  return Buffer.concat([header, randomBytes(1200 - header.length)]);
}
