#!/usr/bin/env node
/**
 * One publisher process, one subscriber process, N numbered 100-byte messages on loopback, nothing
 * lost: how fast the messages arrive with the loops a user writes, against raw node:net and zeromq
 * measured in the same run.
 *
 *   node benchmarks/pubsub-loops.mjs [--quick] [--count N] [--repeats R] [--cases a,b] [--json FILE]
 *
 * Cases (every one puts the message's index in its first 8 bytes, and the receiver counts the
 * indices that did not arrive in order as lost):
 * - `raw-net-batched`: node:net, 256 length-prefixed messages per write, waiting for 'drain' when
 *   the socket pushes back. The ceiling.
 * - `zeromq`: zeromq.js XPublisher with noDrop (lossless) into a Subscriber; the publisher awaits
 *   `send([topic, payload])` per message (retried on the next turn while the pipe is full), the
 *   subscriber `for await`s. zeromq.js has no batch API.
 * - `msg-natural`: `await pub.publish(topic, freshBuffer)` per message (whenFull block) into
 *   `for await (const m of sub)`: the loop a user writes first.
 * - `msg-batched`: `await pub.publishMany(topic, group)` with 256 fresh payloads per call into
 *   `for await (const batch of sub.batches())`: the library's batch loops, each payload made as in
 *   `msg-natural` (its own allocation), so the two differ only in the loops.
 * - `msg-batched-slab`: the same loops with each group's payloads cut out of one allocation (as
 *   `msg pub` does): the fastest loop a user can write.
 * - `msg-cli`: `msg pub --count N --size 100 --wait-subscribers 1` into `msg sub --count N`.
 *
 * Each case runs its two processes once per round, rounds interleave the cases, and each case
 * reports the median of its rounds. The rate is the receiver's: messages / (time from handling the
 * first to handling the last).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatCount } from "./lib/format.mjs";
import { FrameDecoder, HEADER_BYTES } from "./lib/length-prefix.mjs";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";

const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL("../packages/msg/bin/msg.js", import.meta.url));
const SIZE = 100;
const GROUP = 256;
const TOPIC = "bench";
const ALL_CASES = ["raw-net-batched", "zeromq", "msg-natural", "msg-batched", "msg-batched-slab", "msg-cli"];
/** zeromq's high-water marks: 10x the default 1000, its best setting here (1000: 131k msg/s, 10000: 204k, 100000: 196k). */
const ZMQ_HWM = 10_000;
/** A round of one case that takes longer than this failed. */
const CASE_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    count: { type: "string" },
    repeats: { type: "string" },
    json: { type: "string" },
    cases: { type: "string" },
    role: { type: "string" },
    case: { type: "string" },
    address: { type: "string" },
  },
});

/** The cases to run (ratios need raw-net-batched and zeromq among them). */
const CASES = values.cases?.split(",") ?? ALL_CASES;
for (const name of CASES)
  if (!ALL_CASES.includes(name)) throw new Error(`unknown case ${name}: ${ALL_CASES}`);
const count = Number(values.count ?? (values.quick ? 200_000 : 1_000_000));
const repeats = Number(values.repeats ?? (values.quick ? 1 : 3));

/** A fresh payload for message `index`: its index (u64 big-endian), then filler. */
function writeIndex(target, offset, index) {
  target.writeUInt32BE(Math.floor(index / 2 ** 32), offset);
  target.writeUInt32BE(index >>> 0, offset + 4);
}

/** The index in a payload's first 8 bytes (below 2^32 here). */
function readIndex(bytes, offset = 0) {
  return (
    ((bytes[offset + 4] << 24) >>> 0) +
    (bytes[offset + 5] << 16) +
    (bytes[offset + 6] << 8) +
    bytes[offset + 7]
  );
}

/**
 * Counts arrivals, and indices that did not arrive in order, for one receiver. The clock is read at
 * the first message and at the last one only, the same in every case: a clock read per message
 * would charge the per-message loops (natural, zeromq) for work the batch loops do once per batch.
 */
class Tally {
  received = 0;
  lost = 0;
  #expected = 0;
  #first = 0;
  #last = 0;
  arrived(index) {
    if (this.received === 0) this.#first = performance.now();
    this.received++;
    if (index !== this.#expected) this.lost += Math.max(0, index - this.#expected);
    this.#expected = index + 1;
    if (this.#expected >= count) this.#last = performance.now();
  }
  get done() {
    return this.#expected >= count;
  }
  result() {
    const elapsedMs = this.#last - this.#first;
    return {
      received: this.received,
      lost: this.lost,
      elapsedMs,
      msgsPerSec: (this.received / elapsedMs) * 1000,
    };
  }
}

const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

// ---- the two roles of each case, run in child processes ----

const senders = {
  async "raw-net-batched"() {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    say({ event: "ready", address: `127.0.0.1:${server.address().port}` });
    const [socket] = await once(server, "connection");
    const frame = HEADER_BYTES + SIZE;
    for (let first = 0; first < count; first += GROUP) {
      const n = Math.min(GROUP, count - first);
      const chunk = Buffer.allocUnsafe(n * frame);
      for (let k = 0; k < n; k++) {
        chunk.writeUInt32BE(SIZE, k * frame);
        chunk.fill(7, k * frame + HEADER_BYTES, (k + 1) * frame);
        writeIndex(chunk, k * frame + HEADER_BYTES, first + k);
      }
      if (!socket.write(chunk)) await once(socket, "drain");
    }
    socket.end();
    await once(socket, "close");
    server.close();
  },
  async zeromq() {
    const { XPublisher } = await import("zeromq");
    const pub = new XPublisher({ noDrop: true, linger: 5000, sendHighWaterMark: ZMQ_HWM });
    await pub.bind("tcp://127.0.0.1:*");
    say({ event: "ready", address: pub.lastEndpoint });
    await pub.receive(); // the subscription
    for (let i = 0; i < count; i++) {
      const payload = Buffer.allocUnsafe(SIZE).fill(7);
      writeIndex(payload, 0, i);
      await sendBlocking(pub, [TOPIC, payload]);
    }
    pub.close();
  },
  async "msg-natural"() {
    const pub = await boundPub();
    for (let i = 0; i < count; i++) {
      const payload = Buffer.allocUnsafe(SIZE).fill(7);
      writeIndex(payload, 0, i);
      await pub.publish(TOPIC, payload);
    }
    await pub.close({ linger: 5000 });
  },
  async "msg-batched"() {
    const pub = await boundPub();
    for (let first = 0; first < count; first += GROUP) {
      const n = Math.min(GROUP, count - first);
      const group = [];
      for (let k = 0; k < n; k++) {
        const payload = Buffer.allocUnsafe(SIZE).fill(7);
        writeIndex(payload, 0, first + k);
        group.push(payload);
      }
      await pub.publishMany(TOPIC, group);
    }
    await pub.close({ linger: 5000 });
  },
  async "msg-batched-slab"() {
    const pub = await boundPub();
    for (let first = 0; first < count; first += GROUP) {
      const n = Math.min(GROUP, count - first);
      const slab = Buffer.allocUnsafe(n * SIZE).fill(7);
      const group = [];
      for (let k = 0; k < n; k++) {
        writeIndex(slab, k * SIZE, first + k);
        group.push(slab.subarray(k * SIZE, (k + 1) * SIZE));
      }
      await pub.publishMany(TOPIC, group);
    }
    await pub.close({ linger: 5000 });
  },
};

/**
 * A send that waits while the subscriber's pipe is full: with noDrop, libzmq refuses with EAGAIN
 * there instead of dropping, and zeromq.js passes that on rather than waiting for room.
 */
async function sendBlocking(socket, message) {
  for (;;) {
    try {
      return await socket.send(message);
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function boundPub() {
  const { PubSocket } = await import("@msg/socket");
  const { TcpTransport } = await import("@msg/transport-tcp");
  const pub = new PubSocket(new TcpTransport(), { whenFull: "block" });
  const subscribed = once(pub, "subscribed");
  say({ event: "ready", address: await pub.bind("127.0.0.1:0") });
  await subscribed;
  return pub;
}

async function subscribedSub(address) {
  const { SubSocket } = await import("@msg/socket");
  const { TcpTransport } = await import("@msg/transport-tcp");
  const sub = new SubSocket(new TcpTransport());
  await sub.subscribe(TOPIC);
  void sub.connect(address);
  return sub;
}

const receivers = {
  async "raw-net-batched"(address) {
    const [host, port] = address.split(":");
    const socket = netConnect(Number(port), host);
    const tally = new Tally();
    const decoder = new FrameDecoder();
    socket.on("data", (chunk) => {
      decoder.push(chunk, (buffer, start) => tally.arrived(readIndex(buffer, start + HEADER_BYTES)));
    });
    await once(socket, "close");
    return tally;
  },
  async zeromq(address) {
    const { Subscriber } = await import("zeromq");
    const sub = new Subscriber({ linger: 0, receiveHighWaterMark: ZMQ_HWM });
    sub.connect(address);
    sub.subscribe(TOPIC);
    const tally = new Tally();
    for await (const [, payload] of sub) {
      tally.arrived(readIndex(payload));
      if (tally.done) break;
    }
    sub.close();
    return tally;
  },
  async "msg-natural"(address) {
    const sub = await subscribedSub(address);
    const tally = new Tally();
    for await (const message of sub) {
      tally.arrived(readIndex(message.payload));
      if (tally.done) break;
    }
    await sub.close();
    return tally;
  },
  "msg-batched": receiveBatches,
  "msg-batched-slab": receiveBatches,
};

/** The receiving loop of both batched cases. */
async function receiveBatches(address) {
  const sub = await subscribedSub(address);
  const tally = new Tally();
  receiving: for await (const batch of sub.batches()) {
    for (const message of batch) {
      tally.arrived(readIndex(message.payload));
      if (tally.done) break receiving;
    }
  }
  await sub.close();
  return tally;
}

// ---- the parent: runs each case's processes and collects their last lines ----

/** Starts a child; resolves its JSON events one by one through `next(event)`. */
function child(args) {
  const process_ = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  process_.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const events = [];
  let wake;
  createInterface({ input: process_.stdout }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    events.push(JSON.parse(line));
    wake?.();
  });
  const exited = once(process_, "exit");
  return {
    process: process_,
    async next(event) {
      const deadline = Date.now() + CASE_TIMEOUT_MS;
      for (;;) {
        const found = events.find((e) => e.event === event || e.event === "error");
        if (found?.event === "error") throw new Error(`${args.join(" ")}: ${JSON.stringify(found)}`);
        if (found) return found;
        const wait = deadline - Date.now();
        if (wait <= 0)
          throw new Error(`${args.join(" ")}: no ${event} within ${CASE_TIMEOUT_MS} ms: ${stderr}`);
        const gone = exited.then(() => {
          throw new Error(`${args.join(" ")} exited before ${event}: ${stderr}`);
        });
        gone.catch(() => {});
        await Promise.race([new Promise((resolve) => (wake = resolve)), gone, delay(wait)]);
      }
    },
    exited,
  };
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function runCase(name) {
  const cli = name === "msg-cli";
  const senderArgs = cli
    ? [CLI, "pub", "--bind", "127.0.0.1:0", "--topic", TOPIC, "--count", `${count}`, "--size", `${SIZE}`]
    : [SELF, "--role", "sender", "--case", name, "--count", `${count}`];
  const sender = child([...senderArgs, ...(cli ? ["--wait-subscribers", "1", "--json"] : [])]);
  try {
    const { address } = await sender.next("ready");
    const receiver = child(
      cli
        ? [CLI, "sub", "--connect", address, "--subscribe", TOPIC, "--count", `${count}`, "--json"]
        : [SELF, "--role", "receiver", "--case", name, "--address", address, "--count", `${count}`],
    );
    try {
      const done = await receiver.next("done");
      await sender.exited;
      return cli
        ? { received: done.received, lost: done.gaps + done.dropped, msgsPerSec: done.msgsPerSec }
        : done;
    } finally {
      receiver.process.kill();
    }
  } finally {
    sender.process.kill();
  }
}

async function parent() {
  const samples = Object.fromEntries(CASES.map((name) => [name, []]));
  for (let round = 1; round <= repeats; round++) {
    for (const name of CASES) {
      console.error(`[round ${round}/${repeats}] ${name}`);
      samples[name].push(await runCase(name));
    }
  }
  const median = Object.fromEntries(
    CASES.map((name) => [name, medianSample(samples[name].map((s) => s.msgsPerSec))]),
  );
  const rows = CASES.map((name) => [
    name,
    formatCount(median[name]),
    (median[name] / median["raw-net-batched"]).toFixed(2),
    (median[name] / median.zeromq).toFixed(2),
    `${Math.max(...samples[name].map((s) => s.lost))}`,
  ]);
  console.log(
    `${count} messages of ${SIZE} B, one publisher process and one subscriber process on loopback, median of ${repeats}\n`,
  );
  console.log(markdownTable(["case", "msg/s", "× raw-net-batched", "× zeromq", "lost (worst round)"], rows));
  for (const batched of ["msg-batched", "msg-batched-slab"]) {
    if (median["msg-natural"] && median[batched])
      console.log(`\nmsg-natural ÷ ${batched}: ${(median["msg-natural"] / median[batched]).toFixed(2)}`);
  }
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ count, size: SIZE, repeats, samples, median }, null, 2));
}

if (values.role === "sender") {
  await senders[values.case]();
} else if (values.role === "receiver") {
  const tally = await receivers[values.case](values.address);
  say({ event: "done", ...tally.result() });
  process.exit(0);
} else {
  await parent();
}
