import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { type Connection, ErrorCode, isMsgError, readExactly } from "@msg/core";
import { freePort, rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { createCompressor, encodeReqRep, ReqRepDecoder } from "@msg/wire";
import { describe, expect, it } from "vitest";
import { RepSocket, ReqSocket, type Request } from "../src/index.js";
import { echo, useCleanup } from "./support/sockets.js";
import { bindAgain, transports } from "./support/transports.js";

describe.each(transports)("Req/Rep over $name", (fixture) => {
  const track = useCleanup();

  async function boundRep(options: ConstructorParameters<typeof RepSocket>[1] = {}) {
    const rep = track(new RepSocket(fixture.server(), options));
    const address = await rep.bind(fixture.bindAddress());
    return { rep, address };
  }

  function connectedReq(address: string, options: ConstructorParameters<typeof ReqSocket>[1] = {}) {
    const req = track(new ReqSocket(fixture.client(), options));
    void req.connect(address);
    return req;
  }

  it("echoes a request", async () => {
    const { rep, address } = await boundRep();
    void echo(rep);
    const req = connectedReq(address);
    const response = await withTimeout(req.request("hello"), 5000, "echo");
    expect(Buffer.from(response).toString()).toBe("hello");
    const stats = req.stats();
    expect(stats.requestsSent).toBe(1);
    expect(stats.responsesReceived).toBe(1);
    expect(stats.bytesTx).toBe(10 + 5);
    expect(stats.bytesRx).toBe(10 + 5);
    expect(stats.averageRttUs).toBeGreaterThan(0);
    await waitFor(() => rep.stats().responsesSent === 1, 2000, "rep stats");
    expect(rep.stats()).toMatchObject({ activeClients: 1, requestsReceived: 1, bytesRx: 15, bytesTx: 15 });
  });

  it("hands out requests showing only the public Request fields", async () => {
    const { rep, address } = await boundRep();
    const req = connectedReq(address);
    const answer = req.request("look");
    const { value: request } = await withTimeout(rep[Symbol.asyncIterator]().next(), 5000, "request");
    expect(Object.keys(request).sort()).toEqual(["id", "payload", "peer"]);
    expect("session" in request || "send" in request).toBe(false);
    request.respond("seen");
    expect(Buffer.from(await withTimeout(answer, 5000, "answer")).toString()).toBe("seen");
  });

  it("answers many concurrent callers, each with its own response", async () => {
    const { rep, address } = await boundRep();
    void echo(rep);
    const req = connectedReq(address);
    const payloads = Array.from({ length: 2000 }, (_, i) =>
      Buffer.from(`request-${i}-${"x".repeat(i % 50)}`),
    );
    const responses = await withTimeout(
      Promise.all(payloads.map((p) => req.request(p))),
      10_000,
      "2000 requests",
    );
    responses.forEach((response, i) => {
      expect(Buffer.from(response).equals(payloads[i]!)).toBe(true);
    });
  });

  it("answers responses in completion order, not request order", async () => {
    const { rep, address } = await boundRep();
    const req = connectedReq(address);
    const slow = req.request("slow");
    const fast = req.request("fast");
    const received: Request[] = [];
    for await (const request of rep) {
      received.push(request);
      if (received.length === 2) break;
    }
    received[1]!.respond("fast-answer");
    expect(Buffer.from(await withTimeout(fast, 2000, "fast")).toString()).toBe("fast-answer");
    received[0]!.respond("slow-answer");
    expect(Buffer.from(await withTimeout(slow, 2000, "slow")).toString()).toBe("slow-answer");
  });

  it("sends requests made before the server exists once it appears (late bind)", async () => {
    const address = await fixture.reservedAddress();
    const req = track(new ReqSocket(fixture.client(), { reconnectInitialDelay: 20, maxBackoff: 50 }));
    const connected = req.connect(address);
    const early = req.request("early", { timeout: 5000 });
    const rep = track(new RepSocket(fixture.server()));
    await rep.bind(address);
    void echo(rep);
    await withTimeout(connected, 5000, "connect");
    expect(Buffer.from(await withTimeout(early, 5000, "late-bind request")).toString()).toBe("early");
  });

  it("times out a request with no response, counting from the call", async () => {
    const { address } = await boundRep(); // nobody reads the requests
    const req = connectedReq(address);
    const started = Date.now();
    const error = await rejectionOf(req.request("nobody answers", { timeout: 150 }));
    const elapsed = Date.now() - started;
    expect(isMsgError(error, ErrorCode.Timeout)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    expect(req.stats().failures[ErrorCode.Timeout]).toBe(1);
  });

  it("times out while disconnected too (the clock starts at the call)", async () => {
    const req = track(new ReqSocket(fixture.client()));
    void req.connect(await fixture.reservedAddress());
    const error = await rejectionOf(req.request("into the void", { timeout: 100 }));
    expect(isMsgError(error, ErrorCode.Timeout)).toBe(true);
  });

  it("rejects with high_water_mark_reached exactly when in-flight plus waiting are full", async () => {
    const { address } = await boundRep(); // requests are never answered
    const req = connectedReq(address, { maxPendingRequests: 2, maxQueueSize: 3, timeout: 5000 });
    await withTimeout(once(req, "connected"), 5000, "connected");
    const accepted = Array.from({ length: 5 }, (_, i) => req.request(`r${i}`));
    for (const p of accepted) p.catch(() => {});
    const error = await rejectionOf(req.request("one too many"));
    expect(isMsgError(error, ErrorCode.HighWaterMarkReached)).toBe(true);
    await req.close();
    for (const p of accepted) expect(isMsgError(await rejectionOf(p), ErrorCode.SocketClosed)).toBe(true);
  });

  it("cancels a request through its AbortSignal", async () => {
    const { address } = await boundRep();
    const req = connectedReq(address);
    const controller = new AbortController();
    const pending = req.request("cancel me", { signal: controller.signal });
    controller.abort();
    expect(isMsgError(await rejectionOf(pending), ErrorCode.Aborted)).toBe(true);
  });

  it("fails in-flight requests promptly with connection_lost when the server goes away", async () => {
    const { rep, address } = await boundRep();
    const req = connectedReq(address, { timeout: 10_000 });
    const inFlight = req.request("will be lost");
    const iterator = rep[Symbol.asyncIterator]();
    await withTimeout(iterator.next(), 5000, "request at the server");
    const failure = rejectionOf(inFlight); // handle it before the close makes it reject
    const started = Date.now();
    await rep.close();
    const error = await withTimeout(failure, 5000, "connection_lost");
    expect(isMsgError(error, ErrorCode.ConnectionLost)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("settles every request across a server restart, and works again afterwards", async () => {
    const first = await boundRep();
    void echo(first.rep);
    const address = first.address;
    const req = connectedReq(address, { reconnectInitialDelay: 20, maxBackoff: 100, timeout: 4000 });
    await withTimeout(req.request("warm-up"), 5000, "warm-up");
    const load = Promise.allSettled(Array.from({ length: 300 }, (_, i) => req.request(`load-${i}`)));
    await first.rep.close();
    const second = track(new RepSocket(fixture.server()));
    await bindAgain(fixture, second, address);
    void echo(second);
    const outcomes = await withTimeout(load, 8000, "every request settles");
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect([ErrorCode.ConnectionLost, ErrorCode.Timeout]).toContain(outcome.reason.code);
      }
    }
    const after = await withTimeout(req.request("after restart"), 5000, "request after restart");
    expect(Buffer.from(after).toString()).toBe("after restart");
  });

  it("re-sends in-flight requests after a reconnect when the user opts in", async () => {
    const first = await boundRep();
    const address = first.address;
    const req = connectedReq(address, { resendOnReconnect: true, reconnectInitialDelay: 20, timeout: 5000 });
    const pending = req.request("idempotent");
    const iterator = first.rep[Symbol.asyncIterator]();
    await withTimeout(iterator.next(), 5000, "first delivery"); // received, never answered
    await first.rep.close();
    const second = track(new RepSocket(fixture.server()));
    await bindAgain(fixture, second, address);
    void echo(second);
    expect(Buffer.from(await withTimeout(pending, 5000, "re-sent request")).toString()).toBe("idempotent");
  });

  it("accepts a valid token and refuses a wrong one with auth_rejected", async () => {
    const { rep, address } = await boundRep({ authTokens: ["s3cret"] });
    void echo(rep);
    const good = connectedReq(address, { authToken: "s3cret" });
    expect(Buffer.from(await withTimeout(good.request("in"), 5000, "authorised")).toString()).toBe("in");

    const bad = track(new ReqSocket(fixture.client(), { authToken: "wrong" }));
    const rejected = once(bad, "authRejected");
    const connecting = bad.connect(address);
    const pending = bad.request("out");
    await withTimeout(rejected, 5000, "authRejected event");
    expect(isMsgError(await rejectionOf(connecting), ErrorCode.AuthRejected)).toBe(true);
    expect(isMsgError(await rejectionOf(pending), ErrorCode.AuthRejected)).toBe(true);
    expect(isMsgError(await rejectionOf(bad.request("again")), ErrorCode.AuthRejected)).toBe(true);
    await waitFor(
      () => rep.stats().connectionErrors[ErrorCode.AuthRejected] === 1,
      2000,
      "server counted it",
    );
  });

  it(`runs a custom challenge/response hook where the server sends the challenge${
    fixture.clientSpeaksFirst
      ? " (over QUIC after a one-byte hello from the client, which must write first)"
      : ""
  }`, async () => {
    const secret = Buffer.from("shared-key");
    const xor = (nonce: Uint8Array, key: Buffer) =>
      Buffer.from(nonce.map((b, i) => b ^ key[i % key.length]!));
    const { rep, address } = await boundRep({
      hook: {
        name: "challenge-server",
        async run(connection: Connection, { signal }) {
          if (fixture.clientSpeaksFirst) await readExactly(connection, 1, signal);
          const nonce = randomBytes(16);
          connection.write(nonce);
          const answer = await readExactly(connection, 16, signal);
          if (!xor(nonce, secret).equals(answer)) throw new Error("wrong answer to the challenge");
          return connection;
        },
      },
    });
    void echo(rep);
    const clientHook = (key: Buffer) => ({
      name: "challenge-client",
      async run(connection: Connection, { signal }: { signal: AbortSignal }) {
        if (fixture.clientSpeaksFirst) connection.write(Buffer.from([1]));
        const nonce = await readExactly(connection, 16, signal);
        connection.write(xor(nonce, key));
        return connection;
      },
    });
    const good = connectedReq(address, { hook: clientHook(secret) });
    expect(Buffer.from(await withTimeout(good.request("ok"), 5000, "after challenge")).toString()).toBe("ok");

    // The server drops the connection of a client with the wrong key; that client, allowed no
    // retries, then gives up, and its requests fail with connect_failed.
    const failed = once(rep, "hookFailed");
    const bad = track(
      new ReqSocket(fixture.client(), { hook: clientHook(Buffer.from("other-key")), retryAttempts: 0 }),
    );
    const gaveUp = once(bad, "gaveUp");
    void bad.connect(address);
    const [event] = await withTimeout(failed, 5000, "server-side hook failure");
    expect(isMsgError(event.error, ErrorCode.HookFailed)).toBe(true);
    await withTimeout(gaveUp, 5000, "the refused client to give up");
    expect(isMsgError(await rejectionOf(bad.request("no")), ErrorCode.ConnectFailed)).toBe(true);
    expect(rep.stats().connectionErrors[ErrorCode.HookFailed]).toBe(1);
  });

  it("decompresses whatever each side chose: different algorithms in each direction", async () => {
    const { rep, address } = await boundRep({ compressor: createCompressor("snappy"), minCompressSize: 0 });
    void echo(rep);
    const req = connectedReq(address, {
      compressor: createCompressor("gzip", { level: 6 }),
      minCompressSize: 1024,
    });
    const big = Buffer.from("compressible ".repeat(2000));
    const small = Buffer.from("tiny");
    expect(Buffer.from(await withTimeout(req.request(big), 5000, "big")).equals(big)).toBe(true);
    expect(Buffer.from(await withTimeout(req.request(small), 5000, "small")).equals(small)).toBe(true);
    // the big request went out gzipped: far fewer bytes than its size
    expect(req.stats().bytesTx).toBeLessThan(big.length / 4);
  });

  it.each(["gzip", "zstd", "lz4", "snappy"] as const)("round-trips with %s on both sides", async (name) => {
    const { rep, address } = await boundRep({ compressor: createCompressor(name) });
    void echo(rep);
    const req = connectedReq(address, { compressor: createCompressor(name), minCompressSize: 100 });
    const payload = Buffer.from(`${name} `.repeat(5000));
    expect(Buffer.from(await withTimeout(req.request(payload), 5000, name)).equals(payload)).toBe(true);
  });

  it("refuses clients beyond maxClients", async () => {
    const { rep, address } = await boundRep({ maxClients: 1 });
    void echo(rep);
    const first = connectedReq(address);
    await withTimeout(first.request("one"), 5000, "first client");
    const refused = once(rep, "peerError");
    // Allowed no retries, the refused client gives up, and its requests fail with connect_failed.
    const second = track(new ReqSocket(fixture.client(), { retryAttempts: 0 }));
    const gaveUp = once(second, "gaveUp");
    void second.connect(address);
    const [event] = await withTimeout(refused, 5000, "maxClients refusal");
    expect(isMsgError(event.error, ErrorCode.MaxClients)).toBe(true);
    await withTimeout(gaveUp, 5000, "the refused client to give up");
    expect(isMsgError(await rejectionOf(second.request("two")), ErrorCode.ConnectFailed)).toBe(true);
    expect(rep.stats().activeClients).toBe(1);
    expect(rep.stats().connectionErrors[ErrorCode.MaxClients]).toBeGreaterThanOrEqual(1);
  });

  it("answers PING with PONG itself, under the request's id, without the application seeing it", async () => {
    const { rep, address } = await boundRep();
    let seen = 0;
    void (async () => {
      for await (const request of rep) {
        seen++;
        request.respond(request.payload);
      }
    })();
    const req = connectedReq(address);
    await withTimeout(req.request("warm-up"), 5000, "warm-up"); // id 0 is taken: the PING gets id 1
    const pong = await withTimeout(req.request("PING"), 5000, "PONG");
    expect(Buffer.from(pong).toString()).toBe("PONG");
    expect(seen).toBe(1);
  });
});

describe("Req/Rep against misbehaving peers (tcp)", async () => {
  const { tcp } = await import("./support/transports.js");
  const net = await import("node:net");
  const track = useCleanup();

  it("drops a peer that sends a malformed frame with a typed error; other peers carry on", async () => {
    const rep = track(new RepSocket(tcp.server(), { maxFrameSize: 1024 }));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const healthy = track(new ReqSocket(tcp.client()));
    void healthy.connect(address);
    await withTimeout(healthy.request("before"), 5000, "healthy before");

    const port = Number(address.split(":").pop());
    for (const garbage of [
      Buffer.from([0x03, 0, 0, 0, 0, 1, 0, 0, 0, 0]), // pub/sub wire id on a req/rep socket
      (() => {
        const b = Buffer.alloc(10);
        b[0] = 0x02;
        b.writeUInt32BE(4096, 6); // declares more than maxFrameSize
        return b;
      })(),
    ]) {
      const raw = net.connect(port, "127.0.0.1");
      await once(raw, "connect");
      const peerError = once(rep, "peerError");
      const closed = once(raw, "close");
      raw.write(garbage);
      const [event] = await withTimeout(peerError, 5000, "peerError");
      expect(isMsgError(event.error)).toBe(true);
      await withTimeout(closed, 5000, "malformed peer disconnected");
    }
    const errors = rep.stats().connectionErrors;
    expect(errors[ErrorCode.WireId]).toBe(1);
    expect(errors[ErrorCode.FrameTooLarge]).toBe(1);
    expect(Buffer.from(await withTimeout(healthy.request("after"), 5000, "healthy after")).toString()).toBe(
      "after",
    );
  });

  it("counts a request whose payload does not decompress and keeps serving", async () => {
    const rep = track(new RepSocket(tcp.server()));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const port = Number(address.split(":").pop());
    const raw = track(
      net.connect(port, "127.0.0.1") as unknown as { close(): void } & import("node:net").Socket,
    );
    (raw as unknown as { close: () => void }).close = () => raw.destroy();
    await once(raw, "connect");
    const dropped = once(rep, "messageDropped");
    raw.write(encodeReqRep({ compression: 9, id: 7, payload: Buffer.from("??") }));
    raw.write(encodeReqRep({ compression: 0, id: 8, payload: Buffer.from("fine") }));
    const [event] = await withTimeout(dropped, 5000, "messageDropped");
    expect(event.reason).toBe(ErrorCode.UnsupportedCompression);
    const [response] = (await withTimeout(once(raw, "data"), 5000, "response to id 8")) as [Buffer];
    expect(response.readUInt32BE(2)).toBe(8);
    expect(rep.stats().failedRequests).toBe(1);
  });

  it("accepts a msg-rs Rep's PONG under id 0 for a PING, even while request 0 is still in flight", async () => {
    const sockets: import("node:net").Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      const decoder = new ReqRepDecoder({
        onFrame: (frame) => {
          const text = Buffer.from(frame.payload).toString();
          if (text === "PING") {
            // msg-rs: PONG with id 0 whatever the request id; then the held request 0 is answered.
            socket.write(encodeReqRep({ compression: 0, id: 0, payload: Buffer.from("PONG") }));
            socket.write(encodeReqRep({ compression: 0, id: 0, payload: Buffer.from("real answer") }));
          }
        },
      });
      socket.on("data", (chunk) => decoder.push(chunk));
    });
    track({
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => server.close(resolve));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const req = track(new ReqSocket(tcp.client()));
    void req.connect(`127.0.0.1:${(server.address() as { port: number }).port}`);
    const first = req.request("held"); // id 0
    const ping = req.request("PING"); // id 1
    expect(Buffer.from(await withTimeout(ping, 5000, "PONG")).toString()).toBe("PONG");
    expect(Buffer.from(await withTimeout(first, 5000, "request 0")).toString()).toBe("real answer");
  });

  it("stops reading from a peer that never reads its responses, so what the Rep holds stays bounded", async () => {
    const rep = track(new RepSocket(tcp.server()));
    const address = await rep.bind("127.0.0.1:0");
    void echo(rep);
    const raw = net.connect(Number(address.split(":").pop()), "127.0.0.1");
    track({ close: () => raw.destroy() });
    await once(raw, "connect");
    raw.pause(); // never reads a response
    const payload = Buffer.alloc(16 * 1024, 1);
    const sent = 3000; // 48 MiB of requests, far more than the socket buffers between the two
    for (let id = 0; id < sent; id++) raw.write(encodeReqRep({ compression: 0, id, payload }));
    // "Stopped reading" has no event: wait until the count of received requests holds still.
    let last = -1;
    await waitFor(
      () => {
        const now = rep.stats().requestsReceived;
        const settled = now === last && now > 0;
        last = now;
        return settled;
      },
      10_000,
      "the Rep to stop receiving",
      300,
    );
    // Without backpressure the Rep reads all 3000 and queues their responses in memory.
    expect(rep.stats().requestsReceived).toBeLessThan(sent / 2);
    expect(raw.writableLength).toBeGreaterThan(0);
  });

  it("a Req that never connects fails with connect_failed once its retries are spent", async () => {
    const req = track(new ReqSocket(tcp.client(), { retryAttempts: 2, reconnectInitialDelay: 10 }));
    const gaveUp = once(req, "gaveUp");
    const connecting = req.connect(`127.0.0.1:${await freePort()}`);
    const pending = req.request("nowhere", { timeout: 5000 });
    await withTimeout(gaveUp, 5000, "gaveUp");
    expect(isMsgError(await rejectionOf(connecting), ErrorCode.ConnectFailed)).toBe(true);
    expect(isMsgError(await rejectionOf(pending), ErrorCode.ConnectFailed)).toBe(true);
  });
});
