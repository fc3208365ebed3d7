import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { adoptAccepted } from "../src/node/adopt-accepted.js";
import { withTimeout } from "../src/testing/index.js";

describe("adoptAccepted", () => {
  it("moves an accepted connection into a socket that reads into the caller's buffer; the server still closes", async () => {
    const ours = Buffer.alloc(4096);
    const received: Buffer[] = [];
    const adopted: Socket[] = [];
    let allReceived: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allReceived = resolve;
    });
    const server = createServer({ pauseOnConnect: true }, (accepted) => {
      const adoption = adoptAccepted(accepted, {
        allowHalfOpen: false,
        onread: {
          buffer: () => ours,
          callback: (bytes, buffer) => {
            expect(buffer).toBe(ours);
            received.push(Buffer.from(buffer.subarray(0, bytes)));
            if (Buffer.concat(received).toString() === "hello, adopted") allReceived();
            return true;
          },
        },
      });
      expect(adoption.adopted).toBe(true);
      adopted.push(adoption.socket);
      adoption.socket.resume();
      adoption.socket.write("ok");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    const client = connect({ host: "127.0.0.1", port });
    const [reply] = await withTimeout(once(client, "data"), 5000, "the adopted socket's write");
    expect(String(reply)).toBe("ok");
    client.write("hello, ");
    client.write("adopted");
    await withTimeout(done, 5000, "the bytes through the adopted socket");
    client.destroy();
    for (const socket of adopted) socket.destroy();
    // close() waits for the server's connection count: the old socket left it when it was adopted.
    await withTimeout(new Promise((resolve) => server.close(resolve)), 5000, "server.close()");
  });

  it("returns a socket without a libuv handle as it is", () => {
    const detached = { _handle: null } as unknown as Socket;
    const adoption = adoptAccepted(detached, {
      allowHalfOpen: false,
      onread: { buffer: Buffer.alloc(1), callback: () => true },
    });
    expect(adoption).toEqual({ socket: detached, adopted: false });
  });
});
