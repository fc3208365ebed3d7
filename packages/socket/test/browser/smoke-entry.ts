/**
 * What browser-build.test.ts runs inside a context that has only web globals (no Buffer, process,
 * setImmediate or require): Req/Rep and Pub/Sub through the browser builds of @msg/core, @msg/wire and
 * @msg/socket, over a small in-memory transport (the browser's own transport, WebSocket, is
 * @msg/transport-ws's and is tested in a real browser there).
 */
import {
  type Connection,
  type ConnectionHandler,
  ErrorCode,
  InboundDelivery,
  isMsgError,
  type Listener,
  MsgError,
  type PendingConnection,
  type Transport,
  unsupportedControl,
} from "@msg/core";
import { PubSocket, RepSocket, ReqSocket, SubSocket, TypedEmitter } from "@msg/socket";
import { createCompressor, decompress } from "@msg/wire";

/** One end of an in-memory duplex: what one end writes, the other receives on a later microtask. */
class PipeEnd implements Connection {
  readonly transport = "memory";
  readonly localAddress: string;
  readonly remoteAddress: string;
  peer!: PipeEnd;
  readonly #inbound = new InboundDelivery({ pause: () => {}, resume: () => {} });
  #ended = false;
  #destroyed = false;

  constructor(localAddress: string, remoteAddress: string) {
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
  }

  get closed(): boolean {
    return this.#destroyed || this.#inbound.closed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed || this.#ended) return false;
    const copy = chunk.slice();
    queueMicrotask(() => this.peer.#inbound.data(copy));
    return true;
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#inbound.setHandler(handler);
  }
  unshift(chunk: Uint8Array): void {
    this.#inbound.unshift(chunk);
  }
  pause(): void {
    this.#inbound.pause();
  }
  resume(): void {
    this.#inbound.resume();
  }
  end(): void {
    if (this.#ended || this.closed) return;
    this.#ended = true;
    queueMicrotask(() => {
      this.peer.#inbound.end();
      if (this.peer.#ended) this.destroy();
    });
  }
  destroy(error?: Error): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    queueMicrotask(() => {
      this.#inbound.close(error);
      this.peer.destroy();
    });
  }
}

/** Addresses `memory:N`; connect pairs two PipeEnds and offers one to the bound listener. */
class MemoryTransport implements Transport {
  readonly name = "memory";
  readonly #listeners = new Map<string, (pending: PendingConnection) => void>();
  #next = 0;

  async bind(address: string, onIncoming: (pending: PendingConnection) => void): Promise<Listener> {
    this.#listeners.set(address, onIncoming);
    const listeners = this.#listeners;
    return {
      localAddress: address,
      async close() {
        listeners.delete(address);
      },
      control: (message) => Promise.reject(unsupportedControl("memory", message)),
    };
  }

  async connect(address: string): Promise<Connection> {
    const onIncoming = this.#listeners.get(address);
    if (!onIncoming) throw new MsgError(ErrorCode.ConnectFailed, `memory: nothing bound at ${address}`);
    const clientAddress = `memory:client-${++this.#next}`;
    const client = new PipeEnd(clientAddress, address);
    const server = new PipeEnd(address, clientAddress);
    client.peer = server;
    server.peer = client;
    onIncoming({
      remoteAddress: clientAddress,
      accept: async () => server,
      reject: () => server.destroy(),
    });
    return client;
  }
}

const text = new TextDecoder();

function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs the checks; returns what it saw for the test to compare. */
export async function run(): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const transport = new MemoryTransport();

  // Req/Rep, with gzip on both sides (payloads above minCompressSize are compressed).
  const gzip = createCompressor("gzip");
  const rep = new RepSocket(transport, { compressor: gzip, minCompressSize: 16 });
  const address = await rep.bind("memory:rep");
  const serving = (async () => {
    for await (const request of rep) request.respond(`echo ${text.decode(request.payload)}`);
  })();
  const req = new ReqSocket(transport, { compressor: gzip, minCompressSize: 16 });
  const connected = new Promise((resolve) => req.once("connected", resolve));
  req.connect(address);
  await within(connected, "req connected");
  seen.short = text.decode(await within(req.request("hi"), "short reply"));
  const long = "browser ".repeat(2000);
  seen.longMatches = text.decode(await within(req.request(long), "long reply")) === `echo ${long}`;

  // Pub/Sub with a wildcard pattern: only matching topics arrive.
  const pub = new PubSocket(transport);
  const pubAddress = await pub.bind("memory:pub");
  const sub = new SubSocket(transport);
  const applied = new Promise((resolve) => pub.once("subscribed", resolve));
  await sub.subscribe("prices.>");
  sub.connect(pubAddress);
  await within(applied, "subscription applied");
  await pub.publish("news.today", "skipped");
  await pub.publish("prices.eur.usd", "1.09");
  const iterator = sub[Symbol.asyncIterator]();
  const first = await within(iterator.next(), "a published message");
  seen.message = first.done ? null : { topic: first.value.topic, payload: text.decode(first.value.payload) };

  // Native codecs are Node-only here.
  for (const codec of ["zstd", "snappy", "lz4"] as const) {
    try {
      createCompressor(codec);
      seen[codec] = "created";
    } catch (error) {
      seen[codec] = isMsgError(error) ? { code: error.code, message: error.message } : String(error);
    }
  }
  try {
    await decompress(3, new Uint8Array([5, 0]));
  } catch (error) {
    seen.snappyDecompress = isMsgError(error) ? error.code : String(error);
  }

  // The emitter works without node:events.
  const emitter = new (class extends TypedEmitter<{ ping: { n: number } }> {
    ping(n: number) {
      this.fire("ping", { n });
    }
  })();
  const got: number[] = [];
  emitter.on("ping", ({ n }) => got.push(n));
  emitter.once("ping", ({ n }) => got.push(n * 10));
  emitter.ping(1);
  emitter.ping(2);
  seen.emitted = got;

  await Promise.all([req.close(), sub.close(), pub.close(), rep.close()]);
  await within(serving, "the Rep loop to end");
  seen.hasNodeGlobals = ["Buffer", "process", "setImmediate", "require"].filter((name) => name in globalThis);
  return seen;
}
