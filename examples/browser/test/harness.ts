// The page of the browser test: msg's sockets, bundled for the browser, driven by the test through
// `window.harness`. Every call returns plain data (errors as { code, message }) and logs to the page.
import { isMsgError } from "@msg/core";
import { ReqSocket, SubSocket } from "@msg/socket";
import { WsTransport } from "@msg/transport-ws";
import { createCompressor } from "@msg/wire";

/** What a failed call reports to the test: a MsgError's stable code, or the error's name. */
export interface PageError {
  code: string;
  message: string;
}

type Result<T> = { ok: T } | { error: PageError };

/** A request's outcome: whether the reply was the request reversed, and the socket's byte counts. */
export interface RequestOutcome {
  intact: boolean;
  size: number;
  bytesTx: number;
  bytesRx: number;
}

const sockets = new Map<number, ReqSocket | SubSocket>();
/** Each Req's disconnects so far, counted from its creation, so a test cannot miss one that already happened. */
const disconnects = new Map<number, number>();
let nextId = 1;

function log(line: string): void {
  const item = document.createElement("li");
  item.textContent = line;
  document.getElementById("log")?.append(item);
}

async function attempt<T>(what: string, action: () => Promise<T>): Promise<Result<T>> {
  try {
    const ok = await action();
    log(`${what}: ok`);
    return { ok };
  } catch (error) {
    const failure = {
      code: isMsgError(error) ? error.code : (error as Error).name,
      message: (error as Error).message,
    };
    log(`${what}: ${failure.code}: ${failure.message}`);
    return { error: failure };
  }
}

/** Deterministic bytes (xorshift32 from `seed`), or repetitive text when `compressible`. */
function payload(size: number, seed: number, compressible: boolean): Uint8Array {
  const bytes = new Uint8Array(size);
  if (compressible) {
    const line = new TextEncoder().encode(`msg browser test line ${seed} ${"-".repeat(40)}\n`);
    for (let i = 0; i < size; i++) bytes[i] = line[i % line.length]!;
    return bytes;
  }
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

function socket<T extends ReqSocket | SubSocket>(id: number, kind: new (...args: never[]) => T): T {
  const found = sockets.get(id);
  if (!(found instanceof kind)) throw new Error(`no ${kind.name} ${id}`);
  return found;
}

const harness = {
  /** A ReqSocket connected to `address` (connect resolves once the connection and its hook are done). */
  req(
    address: string,
    options: { authToken?: string; gzip?: boolean; timeout?: number; maxPayload?: number } = {},
  ): Promise<Result<number>> {
    return attempt(`req ${address}`, async () => {
      const req = new ReqSocket(new WsTransport({ maxPayload: options.maxPayload }), {
        timeout: options.timeout ?? 5000,
        reconnectInitialDelay: 50,
        ...(options.authToken !== undefined ? { authToken: options.authToken } : {}),
        ...(options.gzip ? { compressor: createCompressor("gzip"), minCompressSize: 0 } : {}),
      });
      const id = nextId++;
      sockets.set(id, req);
      disconnects.set(id, 0);
      req.on("disconnected", () => disconnects.set(id, (disconnects.get(id) ?? 0) + 1));
      await req.connect(address);
      return id;
    });
  },

  /** Sends a request of `size` bytes; the Node Rep answers with the bytes reversed. */
  request(id: number, size: number, seed: number, compressible = false): Promise<Result<RequestOutcome>> {
    return attempt(`request ${size} B on req ${id}`, async () => {
      const req = socket(id, ReqSocket);
      const sent = payload(size, seed, compressible);
      const reply = await req.request(sent);
      const expected = sent.slice().reverse();
      const intact = reply.byteLength === size && expected.every((byte, i) => reply[i] === byte);
      const { bytesTx, bytesRx } = req.stats();
      return { intact, size: reply.byteLength, bytesTx, bytesRx };
    });
  },

  /** Resolves once Req `id` has seen `count` disconnects in all, or fails after `ms`. */
  disconnected(id: number, count: number, ms: number): Promise<Result<number>> {
    return attempt(`${count} disconnects on req ${id}`, async () => {
      const req = socket(id, ReqSocket);
      if ((disconnects.get(id) ?? 0) >= count) return disconnects.get(id) ?? 0;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          req.off("disconnected", onDisconnect);
          reject(new Error(`${disconnects.get(id) ?? 0} of ${count} disconnects within ${ms} ms`));
        }, ms);
        // Registered after the counting listener, so the count already includes this disconnect.
        const onDisconnect = () => {
          if ((disconnects.get(id) ?? 0) < count) return;
          clearTimeout(timer);
          req.off("disconnected", onDisconnect);
          resolve();
        };
        req.on("disconnected", onDisconnect);
      });
      return disconnects.get(id) ?? 0;
    });
  },

  /** A SubSocket with `patterns`, connected to `address`; messages are read with `messages`. */
  sub(address: string, patterns: string[]): Promise<Result<number>> {
    return attempt(`sub ${address} ${patterns.join(" ")}`, async () => {
      const sub = new SubSocket(new WsTransport(), { reconnectInitialDelay: 50 });
      const id = nextId++;
      sockets.set(id, sub);
      for (const pattern of patterns) await sub.subscribe(pattern);
      void sub.connect(address);
      return id;
    });
  },

  /** The next `count` messages of a SubSocket as { topic, text }, or a timeout error after `ms`. */
  messages(id: number, count: number, ms: number): Promise<Result<{ topic: string; text: string }[]>> {
    return attempt(`${count} messages on sub ${id}`, async () => {
      const iterator = socket(id, SubSocket)[Symbol.asyncIterator]();
      const received: { topic: string; text: string }[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${count} within ${ms} ms`)),
          ms,
        );
      });
      try {
        while (received.length < count) {
          const { value, done } = await Promise.race([iterator.next(), deadline]);
          if (done) throw new Error("the subscriber closed");
          const message = { topic: value.topic, text: new TextDecoder().decode(value.payload) };
          log(`message ${message.topic}: ${message.text}`);
          received.push(message);
        }
      } finally {
        clearTimeout(timer);
      }
      return received;
    });
  },

  /** Opens a bare connection with the page's WsTransport and closes it again; its remote address. */
  open(address: string): Promise<Result<string>> {
    return attempt(`open ${address}`, async () => {
      const connection = await new WsTransport({ connectTimeout: 5000 }).connect(address);
      connection.destroy();
      return connection.remoteAddress;
    });
  },

  /** Tries to listen, which a page cannot do. */
  bind(): Promise<Result<string>> {
    return attempt("bind", async () => {
      const listener = await new WsTransport().bind("ws://127.0.0.1:0/", () => {});
      await listener.close();
      return listener.localAddress;
    });
  },

  /** Creates a compressor for `name` and compresses a few bytes with it. */
  compress(name: "gzip" | "zstd" | "snappy" | "lz4"): Promise<Result<number>> {
    return attempt(`compressor ${name}`, async () => {
      const compressed = await createCompressor(name).compress(new TextEncoder().encode("x".repeat(1000)));
      return compressed.byteLength;
    });
  },

  /** Closes every socket the page opened. */
  closeAll(): Promise<Result<number>> {
    return attempt("close all", async () => {
      const all = [...sockets.values()];
      sockets.clear();
      await Promise.all(all.map((s) => s.close()));
      return all.length;
    });
  },
};

/** What the test reaches through `page.evaluate`. */
export type Harness = typeof harness;

(globalThis as { harness?: Harness }).harness = harness;
log("harness ready");
