import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { withTimeout } from "@msg/core/testing";

/** A TCP server on 127.0.0.1:0 that runs `onConnection` for every client; close() ends everything. */
export async function tcpServer(onConnection: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An echo server: every byte comes straight back; the echo ends when the client ends. */
export const echoServer = () => tcpServer((socket) => socket.pipe(socket));

/** Connects to `address`; rejects on error or after 5 s. */
export async function dial(address: string): Promise<Socket> {
  const [host, port] = splitAddress(address);
  const socket = connect({ host, port });
  await withTimeout(once(socket, "connect"), 5000, `connect to ${address}`);
  socket.setNoDelay(true);
  return socket;
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon).replace(/^\[|\]$/g, ""), Number(address.slice(colon + 1))];
}

/** Reads from `socket` until `bytes` arrived (resolves with them) or it ends/fails (rejects). */
export function readBytes(socket: Socket, bytes: number, ms = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        have += chunk.length;
        if (have >= bytes) {
          socket.off("data", onData);
          socket.off("end", onEnd);
          socket.off("error", reject);
          socket.pause();
          resolve(Buffer.concat(chunks));
        }
      };
      const onEnd = () => reject(new Error(`stream ended after ${have} of ${bytes} bytes`));
      socket.on("data", onData);
      socket.once("end", onEnd);
      socket.once("error", reject);
      socket.resume();
    }),
    ms,
    `${bytes} bytes`,
  );
}

/** Everything `socket` receives until it closes, and how it closed. */
export function readToClose(
  socket: Socket,
  ms = 10_000,
): Promise<{ data: Buffer; error?: NodeJS.ErrnoException }> {
  const chunks: Buffer[] = [];
  let error: NodeJS.ErrnoException | undefined;
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", (e) => {
    error = e;
  });
  return withTimeout(
    // Not events.once: it would reject on the "error" that comes before "close".
    new Promise<void>((resolve) => socket.once("close", () => resolve())).then(() => ({
      data: Buffer.concat(chunks),
      ...(error ? { error } : {}),
    })),
    ms,
    "the connection to close",
  );
}

/** A UDP socket bound on 127.0.0.1:0, and its address. */
export async function udpSocket(): Promise<{ socket: UdpSocket; address: string }> {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return { socket, address: `127.0.0.1:${socket.address().port}` };
}
