import type { Connection } from "@msg/core";
import { Incoming, Resources } from "@msg/core/testing";
import { afterEach, expect, it, vi } from "vitest";
import { TcpTransport } from "../src/index.js";

/** Counts reads of the kernel's TCP tables, passing them through to the real file system. */
const tableReads = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const readFileSync = ((...args: Parameters<typeof actual.readFileSync>) => {
    if (String(args[0]).startsWith("/proc/net/tcp")) tableReads.count++;
    return actual.readFileSync(...args);
  }) as typeof actual.readFileSync;
  return { ...actual, default: { ...actual, readFileSync }, readFileSync };
});

const resources = new Resources();
const incoming = new Incoming();
afterEach(async () => {
  incoming.rejectAll();
  await resources.closeAll();
});

it("stats() calls made in one synchronous turn share one read of the kernel table", async () => {
  const transport = new TcpTransport();
  const listener = resources.listener(await transport.bind("127.0.0.1:0", incoming.push));
  const connections: Connection[] = [];
  for (let i = 0; i < 3; i++) {
    connections.push(resources.connection(await transport.connect(listener.localAddress)));
    connections.push(resources.connection(await (await incoming.next()).accept()));
  }
  const before = tableReads.count;
  const windows = connections.map((connection) => connection.stats?.().congestionWindow);
  expect(tableReads.count - before).toBe(1);
  expect(windows.every((window) => (window ?? 0) >= 1)).toBe(true);

  await Promise.resolve();
  connections[0]?.stats?.();
  expect(tableReads.count - before).toBe(2);
});
