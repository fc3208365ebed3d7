import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A TCP port on `host` that nothing listens on: bound to port 0, then released. For tests that need
 * a dead address or bind later; anything that can bind port 0 itself should.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A UDP port on `host` that nothing listens on (QUIC), found the same way. */
export async function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Fresh unix socket paths in one temp directory, removed with `removeAll()`. */
export class TempPaths {
  readonly dir = mkdtempSync(join(tmpdir(), "msg-test-"));
  #count = 0;

  next(name = "s"): string {
    return join(this.dir, `${name}${++this.#count}.sock`);
  }

  removeAll(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
