import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect as rawConnect } from "node:net";
import { type Connection, ErrorCode, isMsgError } from "@msg/core";
import type { NetListener } from "@msg/core/node";
import { freePort, Incoming, Reader, Resources, rejectionOf, withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type TcpConnectionStats, TcpTransport, type TcpTransportOptions } from "../src/index.js";
import { parseProcTcpFields, procAddress } from "../src/kernel-stats.js";
import { resolveTcpOptions } from "../src/options.js";
import { bindTcp, wrapTcp } from "../src/tcp-socket.js";

const resources = new Resources();
let incoming = new Incoming();

afterEach(async () => {
  incoming.rejectAll();
  incoming = new Incoming();
  await resources.closeAll();
});

async function listen(address = "127.0.0.1:0", options: TcpTransportOptions = {}): Promise<NetListener> {
  return resources.listener(await new TcpTransport(options).bind(address, incoming.push));
}

async function pair(
  listener: NetListener,
  options: TcpTransportOptions = {},
  address = listener.localAddress,
) {
  const client = resources.connection(await new TcpTransport(options).connect(address));
  const server = resources.connection(await (await incoming.next()).accept());
  return { client, server };
}

function tcpStats(connection: Connection): TcpConnectionStats {
  if (!connection.stats) throw new Error("a TCP connection always has stats()");
  return connection.stats() as TcpConnectionStats;
}

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));

describe("addresses", () => {
  it("binds and connects by host name; addresses are reported as resolved IPs", async () => {
    const listener = await listen("localhost:0");
    expect(listener.localAddress).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
    const { client, server } = await pair(listener, {}, `localhost:${portOf(listener.localAddress)}`);
    expect(client.remoteAddress).toBe(listener.localAddress);
    expect(server.remoteAddress).toBe(client.localAddress);
  });

  it("bind tries each resolved address in turn until one binds", async () => {
    const occupied = await listen("127.0.0.1:0");
    const port = portOf(occupied.localAddress);
    const tried: string[] = [];
    const listener = resources.listener(
      await bindTcp({
        transport: "tcp",
        address: `multi.test:${port}`,
        options: resolveTcpOptions({}),
        onIncoming: incoming.push,
        upgrade: async (socket) => wrapTcp("tcp", socket, socket),
        lookup: async (host) => {
          tried.push(host);
          return ["127.0.0.1", "::1"];
        },
      }),
    );
    expect(tried).toEqual(["multi.test"]);
    expect(listener.localAddress).toBe(`[::1]:${port}`);
  });

  it("bind fails with bind_failed naming every address's reason when none binds", async () => {
    const occupied = await listen("127.0.0.1:0");
    const error = await rejectionOf(
      bindTcp({
        transport: "tcp",
        address: `multi.test:${portOf(occupied.localAddress)}`,
        options: resolveTcpOptions({}),
        onIncoming: incoming.push,
        upgrade: async (socket) => wrapTcp("tcp", socket, socket),
        lookup: async () => ["127.0.0.1", "127.0.0.1"],
      }),
    );
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect((error as Error).message.match(/EADDRINUSE/g)).toHaveLength(2);
  });

  it("an IPv4 client of a dual-stack listener is named in IPv4 form on both ends", async () => {
    const listener = await listen("[::]:0");
    const { client, server } = await pair(listener, {}, `127.0.0.1:${portOf(listener.localAddress)}`);
    expect(server.remoteAddress).toBe(client.localAddress);
    expect(server.localAddress).toBe(client.remoteAddress);
    expect(server.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it.each(["nohost", "127.0.0.1", "127.0.0.1:99999", "::1:80", "[::1]80", ":80"])(
    "rejects the malformed address %s with invalid_address, for bind and connect",
    async (address) => {
      const transport = new TcpTransport();
      expect(
        isMsgError(await rejectionOf(transport.bind(address, incoming.push)), ErrorCode.InvalidAddress),
      ).toBe(true);
      expect(isMsgError(await rejectionOf(transport.connect(address)), ErrorCode.InvalidAddress)).toBe(true);
    },
  );

  it("bind to a name that does not resolve fails with invalid_address", async () => {
    const error = await rejectionOf(new TcpTransport().bind("no-such-host.invalid:0", incoming.push));
    expect(isMsgError(error, ErrorCode.InvalidAddress)).toBe(true);
    expect((error as Error).message).toMatch(/ENOTFOUND/);
  });

  it("connect to a name that does not resolve fails with connect_failed (it may resolve later)", async () => {
    const error = await rejectionOf(new TcpTransport().connect("no-such-host.invalid:80"));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect((error as Error).message).toMatch(/ENOTFOUND/);
  });
});

describe("errors", () => {
  it("connect_failed carries the errno in its message and the system error as cause", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const error = await rejectionOf(new TcpTransport().connect(address));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect((error as Error).message).toBe(`tcp: connect to ${address} failed: ECONNREFUSED`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("bind to a port in use fails with bind_failed (EADDRINUSE)", async () => {
    const listener = await listen();
    const error = await rejectionOf(new TcpTransport().bind(listener.localAddress, incoming.push));
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect((error as Error).message).toMatch(/EADDRINUSE/);
  });

  it("a pending connection settles once: a second accept() is refused, a late reject() changes nothing", async () => {
    const listener = await listen();
    const connecting = new TcpTransport().connect(listener.localAddress);
    const pending = await incoming.next();
    const server = resources.connection(await pending.accept());
    const client = resources.connection(await connecting);
    expect(isMsgError(await rejectionOf(pending.accept()), ErrorCode.InvalidState)).toBe(true);
    pending.reject();
    const atClient = new Reader(client);
    server.write(Buffer.from("still open"));
    await atClient.untilText("still open");
    expect(listener.stats()).toMatchObject({ accepted: 1, rejected: 0, pending: 0 });
  });
});

describe("pending connections are bounded", () => {
  it("beyond maxPendingConnections a new connection is closed at once and counted", async () => {
    const listener = await listen("127.0.0.1:0", { maxPendingConnections: 1 });
    const first = rawConnect(portOf(listener.localAddress), "127.0.0.1");
    resources.add(() => first.destroy());
    await incoming.next();
    const second = rawConnect(portOf(listener.localAddress), "127.0.0.1");
    resources.add(() => second.destroy());
    second.resume();
    await withTimeout(once(second, "end"), 5000, "the refused connection to end");
    expect(listener.stats()).toMatchObject({ pending: 1, refusedFull: 1 });
  });
});

describe("kernel counters in stats()", () => {
  async function exchange(client: Connection, server: Connection) {
    const atServer = new Reader(server);
    const atClient = new Reader(client);
    client.write(Buffer.from("x".repeat(1000)));
    await atServer.untilText("x".repeat(1000));
    server.write(Buffer.from("y".repeat(300)));
    await atClient.untilText("y".repeat(300));
  }

  it.each([
    ["IPv4", "127.0.0.1:0"],
    ["IPv6", "[::1]:0"],
  ])("over %s: byte counts, and RTO and congestion window from /proc/net", async (_family, address) => {
    const listener = await listen(address);
    const { client, server } = await pair(listener);
    await exchange(client, server);
    const stats = tcpStats(client);
    expect(stats.bytesWritten).toBe(1000);
    expect(stats.bytesRead).toBe(300);
    expect(stats.rtoUs).toBeGreaterThanOrEqual(200_000);
    expect(stats.congestionWindow).toBeGreaterThanOrEqual(1);
    expect(stats.retransmits).toBe(0);
    expect(stats.rttUs).toBeUndefined();
    expect(tcpStats(server)).toMatchObject({ bytesRead: 1000, bytesWritten: 300, retransmits: 0 });
  });

  it("finds a dual-stack listener's IPv4 peer in /proc/net/tcp6", async () => {
    const listener = await listen("[::]:0");
    const { client, server } = await pair(listener, {}, `127.0.0.1:${portOf(listener.localAddress)}`);
    await exchange(client, server);
    expect(tcpStats(server).congestionWindow).toBeGreaterThanOrEqual(1);
  });

  it("reports what the kernel holds unread at the paused reader and unacknowledged at the writer", async () => {
    const listener = await listen();
    const { client, server } = await pair(listener);
    server.setHandler({ onData() {}, onClose() {} });
    server.pause();
    const megabyte = Buffer.alloc(1024 * 1024);
    // Write past the receiver's window (a few MiB on loopback) so data waits in both kernels.
    for (let i = 0; i < 64 && !(tcpStats(client).unackedBytes! > 0); i++) {
      client.write(megabyte);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(tcpStats(client).unackedBytes).toBeGreaterThan(0);
    expect(tcpStats(server).unreadBytes).toBeGreaterThan(0);
  });

  it("ignores the TIME_WAIT remnant of a closed connection: only byte counts remain", async () => {
    const listener = await listen();
    const { client, server } = await pair(listener);
    const atServer = new Reader(server);
    const atClient = new Reader(client);
    server.destroy();
    await atServer.untilClosed();
    client.destroy();
    await atClient.untilClosed();
    expect(tcpStats(server)).toEqual({ bytesRead: 0, bytesWritten: 0 });
  });
});

describe("/proc/net/tcp parsing", () => {
  it("writes addresses as the kernel does", () => {
    expect(procAddress("127.0.0.1", 8080)).toBe("0100007F:1F90");
    expect(procAddress("::1", 443)).toBe("00000000000000000000000001000000:01BB");
    expect(procAddress("::ffff:127.0.0.1", 1)).toBe("0000000000000000FFFF00000100007F:0001");
    expect(procAddress("fe80::1:2", 2)).toBe("000080FE000000000000000002000100:0002");
  });

  const fields = (row: string) => row.trim().split(/\s+/);

  it("reads the columns of an established row", () => {
    const row =
      " 0100007F:B25E 0100007F:B20B 01 00000010:00000068 01:00000014 00000003     0        0 37666 3 000000008d47ef77 20 4 1 18 7";
    expect(parseProcTcpFields(fields(row))).toEqual({
      unackedBytes: 16,
      unreadBytes: 104,
      retransmits: 3,
      rtoUs: 200_000,
      congestionWindow: 18,
      slowStartThreshold: 7,
    });
  });

  it("leaves the slow-start threshold out during the initial slow start (-1)", () => {
    const row =
      " 0100007F:B25E 0100007F:B20B 01 00000000:00000000 00:00000000 00000000     0        0 37666 3 000000008d47ef77 21 4 1 10 -1";
    expect(parseProcTcpFields(fields(row))).toMatchObject({ rtoUs: 210_000, congestionWindow: 10 });
    expect(parseProcTcpFields(fields(row)).slowStartThreshold).toBeUndefined();
  });
});

describe("socket options", () => {
  function kernelRow(socket: { localPort: number; remotePort: number }): string | undefined {
    const key = ` ${procAddress("127.0.0.1", socket.localPort)} ${procAddress("127.0.0.1", socket.remotePort)} `;
    return readFileSync("/proc/net/tcp", "latin1")
      .split("\n")
      .find((line) => line.includes(key));
  }

  it.each([
    [{ keepAlive: 5000 }, "02"],
    [{}, "00"],
  ] as const)(
    "keepAlive %o: the kernel's timer column shows %s on an idle connection",
    async (options, timer) => {
      const listener = await listen("127.0.0.1:0", options);
      const { client } = await pair(listener, options);
      const row = kernelRow({
        localPort: portOf(client.localAddress),
        remotePort: portOf(client.remoteAddress),
      });
      expect(row?.trim().split(/\s+/)[5]?.split(":")[0]).toBe(timer);
    },
  );
});
