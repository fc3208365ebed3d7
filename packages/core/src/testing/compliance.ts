import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Connection } from "../connection.js";
import { readExactly } from "../connection-io.js";
import { ErrorCode, isMsgError } from "../errors.js";
import type { Listener, PendingConnection, Transport } from "../transport.js";
import { Reader } from "./reader.js";
import { Incoming, Resources } from "./resources.js";
import { withTimeout } from "./wait.js";

/**
 * The transport compliance suite: one set of tests every transport must pass, run against real
 * connections. Register it from a test file:
 *
 * ```ts
 * transportComplianceSuite("tcp over IPv4", {
 *   server: () => new TcpTransport(),
 *   client: () => new TcpTransport(),
 *   bindAddress: () => "127.0.0.1:0",
 *   deadAddress: async () => `127.0.0.1:${await freePort()}`,
 * });
 * ```
 *
 * In every test the client speaks first (a short greeting) before the server waits for anything,
 * because some transports (QUIC) show a stream to the server only once the client writes on it; and
 * connects run alongside accepts, because others (TLS) complete `connect()` only once the server's
 * `accept()` has run the handshake.
 */
export interface ComplianceTarget {
  /** Creates a fresh transport for a test (server and client sides may need different options, e.g. TLS). */
  server(): Transport | Promise<Transport>;
  client(): Transport | Promise<Transport>;
  /** An address to bind to: "127.0.0.1:0", or a fresh temp path for IPC. */
  bindAddress(): string;
  /** An address where nothing listens (connect must fail promptly). */
  deadAddress(): string | Promise<string>;
  /** Things the transport cannot do; each value is the reason, shown in the name of the test it changes. */
  limits?: ComplianceLimits;
  /** Sizes and bounds, for transports slower than a kernel socket. */
  tuning?: ComplianceTuning;
}

export interface ComplianceLimits {
  /**
   * Why an accepted connection's `remoteAddress` cannot equal the client's `localAddress` (unix
   * sockets: a client end has no address). The suite then checks that every accepted peer's
   * `remoteAddress` is distinct instead.
   */
  remoteAddressIsNotClientAddress?: string;
}

export interface ComplianceTuning {
  /** Bytes sent each way in the large-write test. Default 16 MiB. */
  largeWriteBytes?: number;
  /** Connections opened at once in the concurrency test. Default 32. */
  concurrentConnections?: number;
  /** Milliseconds within which a failing connect must reject. Default 5000. */
  failWithinMs?: number;
  /** Milliseconds for each single wait (an event, a reply). Default 5000. */
  waitMs?: number;
}

const GREETING = Buffer.from("hello");

export function transportComplianceSuite(name: string, target: ComplianceTarget): void {
  const largeWriteBytes = target.tuning?.largeWriteBytes ?? 16 * 1024 * 1024;
  const concurrentConnections = target.tuning?.concurrentConnections ?? 32;
  const failWithinMs = target.tuning?.failWithinMs ?? 5000;
  const waitMs = target.tuning?.waitMs ?? 5000;
  const limits = target.limits ?? {};

  describe(`transport compliance: ${name}`, () => {
    const world = new World(target, waitMs);
    afterEach(() => world.cleanup());

    it("binds, connects and accepts; data flows both ways; localAddress is connectable as it is", async () => {
      const { client, server, listener, clientTransport, serverTransport } = await world.pair();
      expect(client.transport).toBe(clientTransport.name);
      expect(server.transport).toBe(serverTransport.name);
      expect(client.remoteAddress).toBe(listener.localAddress);
      expect(client.closed).toBe(false);
      const atClient = new Reader(client);
      const atServer = new Reader(server);
      client.write(Buffer.from("ping"));
      await atServer.untilLength(4, waitMs, "ping at the server");
      server.write(Buffer.from("pong"));
      await atClient.untilLength(4, waitMs, "pong at the client");
      expect(atServer.text()).toBe("ping");
      expect(atClient.text()).toBe("pong");
    });

    if (limits.remoteAddressIsNotClientAddress) {
      it(`each accepted connection has a distinct remoteAddress (not the client's localAddress: ${limits.remoteAddressIsNotClientAddress})`, async () => {
        const listener = await world.listen();
        const first = await world.connectAndAccept(listener);
        const second = await world.connectAndAccept(listener);
        expect(first.server.remoteAddress).not.toBe(second.server.remoteAddress);
        expect(first.server.remoteAddress.length).toBeGreaterThan(0);
      });
    } else {
      it("an accepted connection's remoteAddress is the client's localAddress, and the reverse", async () => {
        const { client, server } = await world.pair();
        expect(server.remoteAddress).toBe(client.localAddress);
        expect(client.remoteAddress).toBe(server.localAddress);
      });
    }

    it(`serves ${concurrentConnections} concurrent connections, each a distinct peer`, async () => {
      const listener = await world.listen();
      // Connects and accepts run together: with TLS, connect() completes only once accept() ran the handshake.
      const [clients, servers] = await Promise.all([
        Promise.all(
          Array.from({ length: concurrentConnections }, async (_, index) => {
            const client = await world.connect(listener.localAddress);
            client.write(Buffer.from(`${GREETING}#${String(index).padStart(4, "0")}`));
            return client;
          }),
        ),
        Promise.all(
          Array.from({ length: concurrentConnections }, async () => {
            const server = await world.accept();
            const id = Buffer.from(await readExactly(server, GREETING.length + 5, world.timeoutSignal()));
            server.write(Buffer.concat([Buffer.from("echo:"), id]));
            return server;
          }),
        ),
      ]);
      expect(new Set(servers.map((server) => server.remoteAddress)).size).toBe(concurrentConnections);
      const replies = await Promise.all(
        clients.map((client) => readExactly(client, 5 + GREETING.length + 5, world.timeoutSignal())),
      );
      replies.forEach((reply, index) => {
        expect(Buffer.from(reply).toString()).toBe(`echo:${GREETING}#${String(index).padStart(4, "0")}`);
      });
    });

    it(`carries ${largeWriteBytes} bytes each way at once, intact`, async () => {
      const { client, server } = await world.pair();
      const up = randomBytes(largeWriteBytes);
      const down = randomBytes(largeWriteBytes);
      const atServer = new Reader(server, { keep: false });
      const atClient = new Reader(client, { keep: false });
      const bound = Math.max(20_000, largeWriteBytes / 2000);
      await Promise.all([
        writeAll(client, atClient, up, bound),
        writeAll(server, atServer, down, bound),
        atServer.untilLength(largeWriteBytes, bound, "upload complete"),
        atClient.untilLength(largeWriteBytes, bound, "download complete"),
      ]);
      expect(atServer.length).toBe(largeWriteBytes);
      expect(atClient.length).toBe(largeWriteBytes);
      expect(atServer.digest()).toBe(sha256(up));
      expect(atClient.digest()).toBe(sha256(down));
    }, 60_000);

    it("chunks handed over together (writev where the connection has it, else write each) arrive in order", async () => {
      const { client, server } = await world.pair();
      const chunks = [Buffer.from("head:"), randomBytes(100_000), Buffer.from(":tail"), randomBytes(3)];
      const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      const atServer = new Reader(server);
      if (client.writev) client.writev(chunks);
      else for (const chunk of chunks) client.write(chunk);
      await atServer.untilLength(total, waitMs, "the chunks");
      expect(atServer.digest()).toBe(sha256(Buffer.concat(chunks)));
    });

    it("applies backpressure: write() returns false while the reader is paused, onDrain follows resume, nothing is lost", async () => {
      const { client, server } = await world.pair();
      const atServer = new Reader(server, { keep: false });
      server.pause();
      const atClient = new Reader(client);
      const chunk = randomBytes(8 * 1024);
      const sent = createHash("sha256");
      let written = 0;
      const limit = 256 * 1024 * 1024;
      let accepted = true;
      while (accepted) {
        accepted = client.write(chunk);
        sent.update(chunk);
        written += chunk.length;
        if (written >= limit) throw new Error(`write() still returned true after ${limit} bytes`);
        // Give the transport a turn to move bytes, as a real writer would between messages.
        if (written % (256 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(atServer.length).toBeLessThan(written);
      const drained = atClient.nextDrain(waitMs, "onDrain after the reader resumed");
      server.resume();
      await drained;
      await atServer.untilLength(written, waitMs * 4, "every byte written before the drain");
      expect(atServer.length).toBe(written);
      expect(atServer.digest()).toBe(sent.digest("hex"));
    }, 60_000);

    it("half-closes: end() delivers onEnd to the peer, which can still write back", async () => {
      const { client, server } = await world.pair();
      const atServer = new Reader(server);
      const atClient = new Reader(client);
      client.write(Buffer.from("last words"));
      client.end();
      await atServer.untilEnd(waitMs, "onEnd at the server");
      expect(atServer.text()).toBe("last words");
      expect(server.closed).toBe(false);
      server.write(Buffer.from("reply after end"));
      server.end();
      await atClient.untilEnd(waitMs, "onEnd at the client");
      expect(atClient.text()).toBe("reply after end");
      await Promise.all([
        atServer.untilClosed(waitMs, "server close after both ends"),
        atClient.untilClosed(waitMs, "client close after both ends"),
      ]);
      expect(atServer.closeError).toBeUndefined();
      expect(atClient.closeError).toBeUndefined();
    });

    for (const side of ["server", "client"] as const) {
      it(`destroy() mid-transfer by the ${side}: both sides get onClose exactly once, later writes return false`, async () => {
        const { client, server } = await world.pair();
        const [destroyer, writer] = side === "server" ? [server, client] : [client, server];
        const atDestroyer = new Reader(destroyer, { keep: false });
        const atWriter = new Reader(writer, { keep: false });
        const stopWriting = streamForever(writer, atWriter);
        await atDestroyer.untilLength(1024 * 1024, waitMs, "some of the transfer");
        destroyer.destroy();
        await Promise.all([
          atDestroyer.untilClosed(waitMs, `onClose at the ${side} that destroyed`),
          atWriter.untilClosed(waitMs, "onClose at the side that was writing"),
        ]);
        stopWriting();
        expect(writer.closed).toBe(true);
        expect(destroyer.closed).toBe(true);
        expect(writer.write(Buffer.from("too late"))).toBe(false);
        expect(destroyer.write(Buffer.from("too late"))).toBe(false);
        // Let any duplicate close notification surface before counting.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(atDestroyer.closes).toBe(1);
        expect(atWriter.closes).toBe(1);
      });
    }

    it("connect to a dead address rejects with connect_failed, promptly", async () => {
      const transport = await world.clientTransport();
      const address = await target.deadAddress();
      const started = Date.now();
      const error = await withTimeout(
        transport.connect(address).then(
          (connection) => {
            world.own(connection);
            return undefined;
          },
          (error: unknown) => error,
        ),
        failWithinMs + 1000,
        "connect to a dead address to fail",
      );
      expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
      expect(Date.now() - started).toBeLessThanOrEqual(failWithinMs);
    });

    it("connect before bind fails; after bind at that address it succeeds", async () => {
      const first = await world.listen();
      const address = first.localAddress;
      await first.close();
      const transport = await world.clientTransport();
      const early = await withTimeout(
        transport.connect(address).then(
          (connection) => world.own(connection),
          (error: unknown) => error,
        ),
        failWithinMs + 1000,
        "connect before bind to fail",
      );
      expect(isMsgError(early, ErrorCode.ConnectFailed)).toBe(true);
      const listener = await world.listen(address);
      expect(listener.localAddress).toBe(address);
      const { client, server } = await world.connectAndAccept(listener);
      const atClient = new Reader(client);
      server.write(Buffer.from("late but fine"));
      await atClient.untilLength(13, waitMs, "data over the late connection");
    });

    it("PendingConnection.reject() ends that peer's stream; the next one is accepted", async () => {
      const listener = await world.listen();
      const transport = await world.clientTransport();
      // The refused client either fails to connect (a handshake that never runs) or sees its connection close.
      const refused = transport.connect(listener.localAddress).then(
        (connection) => {
          world.own(connection);
          connection.write(GREETING);
          return new Reader(connection);
        },
        (error: unknown) => error,
      );
      (await world.nextPending()).reject();
      const outcome = await withTimeout(refused, failWithinMs, "the refused client's connect to settle");
      if (outcome instanceof Reader)
        await outcome.untilEndOrClose(waitMs, "the refused client to see its stream end");
      else expect(isMsgError(outcome)).toBe(true);
      const { client, server } = await world.connectAndAccept(listener);
      const atClient = new Reader(client);
      server.write(Buffer.from("welcome"));
      await atClient.untilLength(7, waitMs, "data over the accepted connection");
    });

    it("connect with an aborted AbortSignal rejects with aborted, and leaves no open connection", async () => {
      const listener = await world.listen();
      const transport = await world.clientTransport();
      const before = new AbortController();
      before.abort();
      const early = await transport.connect(listener.localAddress, { signal: before.signal }).then(
        (connection) => world.own(connection),
        (error: unknown) => error,
      );
      expect(isMsgError(early, ErrorCode.Aborted)).toBe(true);

      const during = new AbortController();
      const attempt = transport.connect(listener.localAddress, { signal: during.signal });
      during.abort();
      const late = await withTimeout(
        attempt.then(
          (connection) => world.own(connection),
          (error: unknown) => error,
        ),
        failWithinMs,
        "the aborted connect to settle",
      );
      expect(isMsgError(late, ErrorCode.Aborted)).toBe(true);

      // Whatever reached the server before the abort must close; the next real client still works.
      const real = world.connect(listener.localAddress).then((connection) => {
        connection.write(Buffer.from("real!"));
        return connection;
      });
      for (;;) {
        const server = await world.nextPending().then((pending) =>
          pending.accept().then(
            (connection) => world.own(connection),
            () => undefined,
          ),
        );
        if (!server) continue;
        const atServer = new Reader(server);
        await atServer.untilLengthOrEnd(5, waitMs, "a greeting, or the end of an aborted attempt");
        if (atServer.text() === "real!") break;
        await atServer.untilEndOrClose(waitMs, "the aborted attempt's stream to end");
      }
      await real;
    });

    it("listener.close() stops new accepts while existing connections keep working", async () => {
      const { client, server, listener } = await world.pair();
      await listener.close();
      const transport = await world.clientTransport();
      const refused = await withTimeout(
        transport.connect(listener.localAddress).then(
          (connection) => {
            world.own(connection);
            connection.write(GREETING);
            return connection;
          },
          (error: unknown) => error,
        ),
        failWithinMs + 1000,
        "connect after listener.close() to fail",
      );
      expect(isMsgError(refused, ErrorCode.ConnectFailed)).toBe(true);
      const atClient = new Reader(client);
      const atServer = new Reader(server);
      client.write(Buffer.from("still"));
      server.write(Buffer.from("here"));
      await atServer.untilLength(5, waitMs, "client data after listener close");
      await atClient.untilLength(4, waitMs, "server data after listener close");
      expect(atServer.text()).toBe("still");
      expect(atClient.text()).toBe("here");
    });

    it('listener.control({ type: "nonsense" }) rejects with unsupported_control', async () => {
      const listener = await world.listen();
      const error = await listener.control({ type: "nonsense" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMsgError(error, ErrorCode.UnsupportedControl)).toBe(true);
    });
  });
}

/** Everything one test opens, so that `cleanup` closes it whatever the test's outcome. */
class World {
  readonly #target: ComplianceTarget;
  readonly #waitMs: number;
  readonly #resources = new Resources();
  readonly #incoming = new Incoming();
  #serverTransport: Transport | undefined;
  #clientTransport: Transport | undefined;
  #signals: AbortController[] = [];

  constructor(target: ComplianceTarget, waitMs: number) {
    this.#target = target;
    this.#waitMs = waitMs;
  }

  async serverTransport(): Promise<Transport> {
    this.#serverTransport ??= await this.#target.server();
    return this.#serverTransport;
  }

  async clientTransport(): Promise<Transport> {
    this.#clientTransport ??= await this.#target.client();
    return this.#clientTransport;
  }

  /** An AbortSignal that fires after the suite's wait bound, for reads that must not hang. */
  timeoutSignal(): AbortSignal {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("timed out")), this.#waitMs);
    timer.unref();
    this.#signals.push(controller);
    return controller.signal;
  }

  async listen(address = this.#target.bindAddress()): Promise<Listener> {
    const transport = await this.serverTransport();
    const listener = await transport.bind(address, this.#incoming.push);
    return this.#resources.listener(listener);
  }

  nextPending(): Promise<PendingConnection> {
    return this.#incoming.next(this.#waitMs);
  }

  own<T extends Connection>(connection: T): T {
    return this.#resources.connection(connection);
  }

  async connect(address: string): Promise<Connection> {
    const transport = await this.clientTransport();
    return this.own(await withTimeout(transport.connect(address), this.#waitMs, `connect to ${address}`));
  }

  /** Accepts the next incoming connection and reads the client's greeting from it. */
  async accept(): Promise<Connection> {
    const pending = await this.nextPending();
    return this.own(await withTimeout(pending.accept(), this.#waitMs, "accept()"));
  }

  /**
   * Connects a client that greets, accepts it and consumes the greeting. Connect and accept run
   * together: a TLS connect() completes only once the server's accept() has run the handshake.
   */
  async connectAndAccept(listener: Listener): Promise<{ client: Connection; server: Connection }> {
    const [client, server] = await Promise.all([
      this.connect(listener.localAddress).then((client) => {
        client.write(GREETING);
        return client;
      }),
      this.accept(),
    ]);
    const greeting = await readExactly(server, GREETING.length, this.timeoutSignal());
    expect(Buffer.from(greeting).equals(GREETING)).toBe(true);
    return { client, server };
  }

  async pair(): Promise<{
    client: Connection;
    server: Connection;
    listener: Listener;
    clientTransport: Transport;
    serverTransport: Transport;
  }> {
    const listener = await this.listen();
    const { client, server } = await this.connectAndAccept(listener);
    return {
      client,
      server,
      listener,
      clientTransport: await this.clientTransport(),
      serverTransport: await this.serverTransport(),
    };
  }

  async cleanup(): Promise<void> {
    for (const controller of this.#signals) controller.abort();
    this.#incoming.rejectAll();
    await this.#resources.closeAll();
    this.#signals = [];
    this.#serverTransport = undefined;
    this.#clientTransport = undefined;
  }
}

/** Writes `data` in 64 KiB chunks, waiting for onDrain whenever write() returns false. */
async function writeAll(connection: Connection, probe: Reader, data: Buffer, ms: number): Promise<void> {
  const chunkSize = 64 * 1024;
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    // onDrain is delivered asynchronously, so subscribing right after write() returned false is in time.
    if (!connection.write(data.subarray(offset, offset + chunkSize))) {
      await probe.nextDrain(ms, "onDrain while writing");
    }
  }
}

/** Writes 64 KiB chunks whenever the connection accepts them, until it closes or `stop` is called. */
function streamForever(connection: Connection, probe: Reader): () => void {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let stopped = false;
  const pump = async () => {
    while (!stopped && !connection.closed) {
      if (connection.write(chunk)) await new Promise((resolve) => setImmediate(resolve));
      else await probe.nextDrain(60_000, "drain").catch(() => {});
    }
  };
  void pump();
  return () => {
    stopped = true;
  };
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
