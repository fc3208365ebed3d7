import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { parseHostPort } from "@msg/core";
import { withTimeout } from "@msg/core/testing";
import { encodeSubscribe, PubSubDecoder, type PubSubFrame } from "@msg/wire";
import type { PubSocket } from "../../src/index.js";

/**
 * A subscriber speaking the protocol over a raw TCP socket, so a test decides when it reads: it
 * subscribes to `pattern`, then reads nothing until `startReading`. Frames received are decoded into
 * `frames`. Register the returned `close` with the test's cleanup.
 */
export async function pausedSubscriber(pub: PubSocket, address: string, pattern: string) {
  const { host, port } = parseHostPort(address);
  const socket: Socket = connect(port, host);
  const frames: PubSubFrame[] = [];
  const decoder = new PubSubDecoder({ maxFrameSize: 1 << 20, onFrame: (frame) => frames.push(frame) });
  socket.on("data", (chunk) => decoder.push(chunk));
  socket.on("error", () => {}); // a reset at the end is expected; 'close' follows
  socket.pause();
  const closed = once(socket, "close");
  await once(socket, "connect");
  const subscribed = once(pub, "subscribed");
  socket.write(encodeSubscribe(pattern));
  await withTimeout(subscribed, 5000, "subscription");
  return { frames, closed, startReading: () => socket.resume(), close: () => socket.destroy() };
}
