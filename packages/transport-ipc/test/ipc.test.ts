import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Connection, ErrorCode, isMsgError, type PendingConnection } from "@msg/core";
import type { NetListener } from "@msg/core/node";
import { rejectionOf, TempPaths, withTimeout } from "@msg/core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { IpcTransport, type IpcTransportOptions } from "../src/index.js";

const paths = new TempPaths();
const listeners: NetListener[] = [];
const connections: Connection[] = [];
const pendings: PendingConnection[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.destroy();
  for (const pending of pendings.splice(0)) pending.reject();
  await Promise.all(listeners.splice(0).map((listener) => listener.close()));
});
afterAll(() => paths.removeAll());

async function bind(path: string, options: IpcTransportOptions = {}): Promise<NetListener> {
  const listener = await new IpcTransport(options).bind(path, (pending) => pendings.push(pending));
  listeners.push(listener);
  return listener;
}

/** Leaves a socket file behind the way a crashed server does: a child binds it and is killed. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`,
    ],
    { stdio: "ignore" },
  );
  await withTimeout(once(child, "exit"), 10_000, "the child to bind and die");
}

describe("the socket file at bind", () => {
  it("removes a stale socket file (nobody listening) and binds", async () => {
    const path = paths.next();
    await leaveStaleSocket(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    const listener = await bind(path);
    const client = await new IpcTransport().connect(listener.localAddress);
    connections.push(client);
    expect(client.remoteAddress).toBe(path);
  });

  it("refuses with bind_failed when a live server listens there, and leaves that server working", async () => {
    const path = paths.next();
    await bind(path);
    const error = await rejectionOf(new IpcTransport().bind(path, () => {}));
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect((error as Error).message).toMatch(/a server is listening/);
    // The live server saw the probe (a connection that ends at once) and still takes real clients.
    const client = await new IpcTransport().connect(path);
    connections.push(client);
    client.write(Buffer.from("still served"));
    await withTimeout(
      (async () => {
        while (pendings.length < 2) await new Promise((resolve) => setImmediate(resolve));
      })(),
      5000,
      "the probe and the client at the live server",
    );
    const server = await pendings[1]!.accept();
    connections.push(server);
    const received = new Promise<string>((resolve) =>
      server.setHandler({ onData: (chunk) => resolve(Buffer.from(chunk).toString()), onClose() {} }),
    );
    expect(await withTimeout(received, 5000, "the client's data")).toBe("still served");
    expect(lstatSync(path).isSocket()).toBe(true);
  });

  it("never deletes a regular file: bind_failed, the file is intact", async () => {
    const path = paths.next();
    writeFileSync(path, "precious data");
    const error = await rejectionOf(new IpcTransport().bind(path, () => {}));
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect((error as Error).message).toMatch(/not a socket/);
    expect(readFileSync(path, "utf8")).toBe("precious data");
  });

  it("never deletes a directory", async () => {
    const path = paths.next();
    await mkdir(path);
    const error = await rejectionOf(new IpcTransport().bind(path, () => {}));
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect(lstatSync(path).isDirectory()).toBe(true);
  });

  it("fails with bind_failed when the directory does not exist", async () => {
    const error = await rejectionOf(new IpcTransport().bind(join(paths.dir, "missing", "s.sock"), () => {}));
    expect(isMsgError(error, ErrorCode.BindFailed)).toBe(true);
    expect((error as Error).message).toMatch(/the directory .*missing does not exist/);
  });
});

describe("permissions", () => {
  it.each([0o600, 0o660, 0o666])("mode 0o%o is applied to the socket file", async (mode) => {
    const path = paths.next();
    await bind(path, { mode });
    expect(lstatSync(path).mode & 0o777).toBe(mode);
  });

  it("without mode, the file has what the umask leaves of 0o777", async () => {
    const path = paths.next();
    await bind(path);
    const umask = process.umask();
    expect(lstatSync(path).mode & 0o777).toBe(0o777 & ~umask);
  });
});

describe("addresses", () => {
  it("names each accepted peer <path>#<n>, distinct per connection", async () => {
    const path = paths.next();
    const listener = await bind(path);
    const transport = new IpcTransport();
    for (let i = 0; i < 3; i++) connections.push(await transport.connect(path));
    await withTimeout(
      (async () => {
        while (pendings.length < 3) await new Promise((resolve) => setImmediate(resolve));
      })(),
      5000,
      "three incoming connections",
    );
    expect(pendings.map((pending) => pending.remoteAddress)).toEqual([`${path}#1`, `${path}#2`, `${path}#3`]);
    const server = await pendings[0]!.accept();
    connections.push(server);
    expect(server.localAddress).toBe(listener.localAddress);
    expect(server.remoteAddress).toBe(`${path}#1`);
    expect(connections[0]!.localAddress).toBe("");
  });

  it.each([
    ["empty", ""],
    ["too long for sun_path", `/tmp/${"x".repeat(120)}`],
    ["containing NUL", "/tmp/a\0b"],
  ])("rejects a path that is %s with invalid_address", async (_why, path) => {
    expect(
      isMsgError(await rejectionOf(new IpcTransport().bind(path, () => {})), ErrorCode.InvalidAddress),
    ).toBe(true);
    expect(isMsgError(await rejectionOf(new IpcTransport().connect(path)), ErrorCode.InvalidAddress)).toBe(
      true,
    );
  });

  it("connect to a path with no socket fails with connect_failed (ENOENT)", async () => {
    const error = await rejectionOf(new IpcTransport().connect(paths.next("none")));
    expect(isMsgError(error, ErrorCode.ConnectFailed)).toBe(true);
    expect((error as Error).message).toMatch(/ENOENT/);
  });
});

describe("listener close", () => {
  it("removes the socket file, while accepted connections keep working", async () => {
    const path = paths.next();
    const listener = await bind(path);
    const client = await new IpcTransport().connect(path);
    connections.push(client);
    await withTimeout(
      (async () => {
        while (pendings.length === 0) await new Promise((resolve) => setImmediate(resolve));
      })(),
      5000,
      "the incoming connection",
    );
    const server = await pendings[0]!.accept();
    connections.push(server);
    await listener.close();
    expect(existsSync(path)).toBe(false);
    const received = new Promise<string>((resolve) =>
      server.setHandler({ onData: (chunk) => resolve(Buffer.from(chunk).toString()), onClose() {} }),
    );
    client.write(Buffer.from("after close"));
    expect(await withTimeout(received, 5000, "data after close")).toBe("after close");
  });
});
