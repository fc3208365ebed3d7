import { once } from "node:events";
import { join } from "node:path";
import { ErrorCode, isMsgError, MsgError, type Transport } from "@msg/core";
import { freePort, rejectionOf, TempPaths, waitFor, withTimeout } from "@msg/core/testing";
import { IpcTransport } from "@msg/transport-ipc";
import { TcpTransport } from "@msg/transport-tcp";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RepSocket, ReqSocket, type SocketEvents, SubSocket } from "../src/index.js";
import { echo, useCleanup } from "./support/sockets.js";

/** Socket paths under a temp directory of this test file. */
const paths = new TempPaths();
afterAll(() => paths.removeAll());

/** Fast retries, so a test sees several failed attempts within a second. */
const quickRetry = { reconnectInitialDelay: 10, maxBackoff: 50 };

type Scheduled = SocketEvents["reconnectScheduled"];

describe("a client that cannot connect says why", () => {
  const track = useCleanup();

  it.each([
    [
      "a dead TCP port",
      async () => `127.0.0.1:${await freePort()}`,
      () => new TcpTransport(),
      "ECONNREFUSED",
    ],
    [
      "an IPC path whose directory does not exist",
      async () => join(paths.next(), "no-such-dir", "rep.sock"),
      () => new IpcTransport(),
      "ENOENT",
    ],
    ["an unresolvable host", async () => "no-such-host.invalid:4700", () => new TcpTransport(), "ENOTFOUND"],
  ])(
    "Req to %s: events, stats and the timeout carry the connect error",
    async (_, address, transport, code) => {
      const req = track(new ReqSocket(transport(), quickRetry));
      const scheduled: Scheduled[] = [];
      req.on("reconnectScheduled", (event) => scheduled.push(event));
      const target = await address();
      void req.connect(target);
      const failure = await rejectionOf(req.request("anyone?", { timeout: 500 }));

      expect(isMsgError(failure, ErrorCode.Timeout)).toBe(true);
      const message = (failure as Error).message;
      expect(message).toMatch(/^no response within 500 ms \(not connected: .+, \d+ attempts?\)$/);
      expect(message).toContain(code);

      expect(scheduled.length).toBeGreaterThan(0);
      const last = scheduled.at(-1)!;
      expect(last.address).toBe(target);
      expect(isMsgError(last.error, ErrorCode.ConnectFailed)).toBe(true);
      expect((last.error as Error & { cause: { code?: string } }).cause.code).toBe(code);

      const stats = req.stats();
      expect(stats.failedConnectAttempts).toBeGreaterThanOrEqual(scheduled.length);
      expect(stats.lastConnectError).toEqual({ code, message: expect.stringContaining(code) });
    },
  );

  it("a timeout before the first attempt has failed says the socket is not connected yet", async () => {
    const req = track(new ReqSocket(new TcpTransport()));
    const failure = await rejectionOf(req.request("early", { timeout: 50 }));
    expect((failure as Error).message).toBe(
      "no response within 50 ms (not connected: connect() was not called)",
    );
  });

  it("after a successful connect the count of failed attempts is 0 again; the last error stays", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const req = track(new ReqSocket(new TcpTransport(), quickRetry));
    void req.connect(address);
    await withTimeout(once(req, "reconnectScheduled"), 5000, "a failed attempt");
    const rep = track(new RepSocket(new TcpTransport()));
    await rep.bind(address);
    void echo(rep);
    await withTimeout(req.request("late"), 5000, "request after the Rep appeared");
    const stats = req.stats();
    expect(stats.failedConnectAttempts).toBe(0);
    expect(stats.lastConnectError?.code).toBe("ECONNREFUSED");
  });

  it("Sub: each publisher's stats and the reconnect events carry its connect error", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const sub = track(new SubSocket(new TcpTransport(), quickRetry));
    const scheduled: Scheduled[] = [];
    sub.on("reconnectScheduled", (event) => scheduled.push(event));
    await sub.subscribe("a.>");
    void sub.connect(address);
    await waitFor(() => scheduled.length >= 2, 5000, "two failed attempts");
    expect(scheduled.every((event) => isMsgError(event.error, ErrorCode.ConnectFailed))).toBe(true);
    const publisher = sub.stats().publishers[address]!;
    expect(publisher.failedConnectAttempts).toBeGreaterThanOrEqual(2);
    expect(publisher.lastConnectError?.code).toBe("ECONNREFUSED");
  });

  it("a transport whose library is not installed is given up at once, not retried", async () => {
    const unavailable = new MsgError(ErrorCode.TransportUnavailable, "the test transport needs a package");
    const transport: Transport = {
      name: "absent",
      bind: () => Promise.reject(unavailable),
      connect: () => Promise.reject(unavailable),
    };
    const req = track(new ReqSocket(transport, quickRetry));
    const scheduled = vi.fn();
    req.on("reconnectScheduled", scheduled);
    const gaveUp = once(req, "gaveUp");
    const connecting = req.connect("anywhere:1");
    expect(await rejectionOf(connecting)).toBe(unavailable);
    const [{ error }] = await withTimeout(gaveUp, 5000, "gaveUp");
    expect(error).toBe(unavailable);
    expect(await rejectionOf(req.request("x"))).toBe(unavailable);
    expect(scheduled).not.toHaveBeenCalled();
  });
});
