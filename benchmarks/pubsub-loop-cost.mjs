#!/usr/bin/env node
/**
 * What each Pub/Sub loop costs per message, one side at a time: the CPU time of this process per
 * 100-byte message, with the other side played by a second process that costs little (so the side
 * measured is the limit, and the figure does not depend on how fast the other side is).
 *
 *   node benchmarks/pubsub-loop-cost.mjs [--side pub|sub|both] [--count N] [--rounds R] [--subscribers S]
 *
 * - Pub side: a PubSocket (`whenFull: "block"`, TCP) in this process; each of its S subscribers (1)
 *   is a node:net client process that sends the subscription and discards what it reads. Loops, N
 *   messages each, topic `bench`:
 *   - `natural`: `Buffer.allocUnsafe(100).fill(7)`, the index, `await pub.publish()` (pubsub-loops'
 *     msg-natural);
 *   - `natural without await`: the same, awaiting `publish()`'s result only when it is a promise;
 *   - `publish alone`: one payload made once, `publish()` with no await: the library's part;
 *   - `batched`: groups of 256 payloads made as in `natural`, `await pub.publishMany()` (msg-batched);
 *   - `publishMany alone`: the same 256 payloads made once, `publishMany()` per group;
 *   - `await undefined alone`: a loop of N `await undefined`, no socket: what the `await` itself costs.
 * - Sub side: a SubSocket (`whenFull: "block"`) in this process; the publisher is a node:net server
 *   that, once the subscription arrives, writes one pre-encoded chunk of 512 frames (topic `bench`,
 *   100 B each; their seqs restart with every chunk, which the Sub only counts as gaps) over and
 *   over, as fast as the socket takes it. Loops: `for await (const m of sub)` and
 *   `for await (const batch of sub.batches())`, N messages each, each payload's last byte checked;
 *   and, no socket, `for await` over a minimal async iterator whose `next()` returns
 *   `Promise.resolve({ value, done: false })`: what a `for await` step itself costs.
 *
 * Each round runs every loop of a side once, in alternating order; the first round is a warm-up. The
 * table shows, per loop, the lowest and the median CPU time (user + system, `process.cpuUsage`) per
 * message over the other rounds (on a shared machine the lowest is the steadiest), and the median
 * bytes allocated per message in V8's young generation (lib/young-allocation.mjs): the garbage each
 * loop leaves for the scavenger, whose work a CPU profile spreads over GC and helper threads.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { medianSample } from "./lib/stats.mjs";
import { markdownTable } from "./lib/table.mjs";
import { youngBytesAllocated } from "./lib/young-allocation.mjs";

const SELF = fileURLToPath(import.meta.url);
const SIZE = 100;
const GROUP = 256;
const TOPIC = "bench";
const FRAMES_PER_CHUNK = 512;

const { values } = parseArgs({
  options: {
    side: { type: "string", default: "both" },
    count: { type: "string", default: "300000" },
    rounds: { type: "string", default: "7" },
    subscribers: { type: "string", default: "1" },
    role: { type: "string" },
    port: { type: "string" },
    subscription: { type: "string" },
  },
});
const count = Number(values.count);
const rounds = Number(values.rounds);

function writeIndex(target, offset, index) {
  target.writeUInt32BE(Math.floor(index / 2 ** 32), offset);
  target.writeUInt32BE(index >>> 0, offset + 4);
}

function freshPayload(index) {
  const payload = Buffer.allocUnsafe(SIZE).fill(7);
  writeIndex(payload, 0, index);
  return payload;
}

/** Starts this script in `role`; resolves with the child and the first line it prints. */
async function helper(role, args) {
  const child = spawn(process.execPath, [SELF, "--role", role, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await once(createInterface({ input: child.stdout }), "line");
  return { child, line };
}

/**
 * Runs every loop `rounds` times, alternating the order; returns per loop the CPU ns per message
 * (lowest and median) and the young-generation bytes allocated per message (median).
 */
async function measure(loops) {
  const names = Object.keys(loops);
  const samples = Object.fromEntries(names.map((name) => [name, { cpu: [], bytes: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      const before = process.cpuUsage();
      const bytes = await youngBytesAllocated(loops[name]);
      const used = process.cpuUsage(before);
      if (round === 0) continue;
      samples[name].cpu.push(((used.user + used.system) * 1000) / count);
      samples[name].bytes.push(bytes / count);
    }
  }
  return names.map((name) => [
    name,
    Math.min(...samples[name].cpu).toFixed(0),
    medianSample(samples[name].cpu).toFixed(0),
    medianSample(samples[name].bytes).toFixed(0),
  ]);
}

async function pubSide() {
  const { PubSocket } = await import("@msg/socket");
  const { TcpTransport } = await import("@msg/transport-tcp");
  const { encodeSubscribe } = await import("@msg/wire");
  const pub = new PubSocket(new TcpTransport(), { whenFull: "block" });
  const address = await pub.bind("127.0.0.1:0");
  const subscribers = Number(values.subscribers);
  let subscribed = 0;
  const allSubscribed = new Promise((resolve) => {
    pub.on("subscribed", () => {
      if (++subscribed === subscribers) resolve();
    });
  });
  const subscription = Buffer.from(encodeSubscribe(TOPIC)).toString("base64");
  const readers = [];
  for (let k = 0; k < subscribers; k++) {
    readers.push(await helper("reader", ["--port", address.split(":")[1], "--subscription", subscription]));
  }
  await allSubscribed;
  const fixed = Array.from({ length: GROUP }, (_, k) => freshPayload(k));
  const rows = await measure({
    natural: async () => {
      for (let i = 0; i < count; i++) await pub.publish(TOPIC, freshPayload(i));
    },
    "natural without await": async () => {
      for (let i = 0; i < count; i++) {
        const waiting = pub.publish(TOPIC, freshPayload(i));
        if (waiting) await waiting;
      }
    },
    "publish alone": async () => {
      for (let i = 0; i < count; i++) {
        const waiting = pub.publish(TOPIC, fixed[0]);
        if (waiting) await waiting;
      }
    },
    batched: async () => {
      for (let first = 0; first < count; first += GROUP) {
        const group = [];
        for (let k = 0; k < GROUP; k++) group.push(freshPayload(first + k));
        await pub.publishMany(TOPIC, group);
      }
    },
    "publishMany alone": async () => {
      for (let first = 0; first < count; first += GROUP) {
        const waiting = pub.publishMany(TOPIC, fixed);
        if (waiting) await waiting;
      }
    },
    "await undefined alone": async () => {
      for (let i = 0; i < count; i++) await undefined;
    },
  });
  await pub.close({ linger: 5000 });
  for (const { child } of readers) child.kill();
  return rows;
}

async function subSide() {
  const { SubSocket } = await import("@msg/socket");
  const { TcpTransport } = await import("@msg/transport-tcp");
  const { child, line: port } = await helper("blaster", []);
  const sub = new SubSocket(new TcpTransport(), { whenFull: "block" });
  await sub.subscribe(TOPIC);
  await sub.connect(`127.0.0.1:${port}`);
  const fixedMessage = { topic: TOPIC, payload: freshPayload(0), publisher: "", seq: 0, timestamp: 0 };
  const check = (message) => {
    if (message.payload[SIZE - 1] !== 7) throw new Error("unexpected payload");
  };
  const rows = await measure({
    "for await (const m of sub)": async () => {
      let received = 0;
      for await (const message of sub) {
        check(message);
        if (++received === count) break;
      }
    },
    "for await (const batch of sub.batches())": async () => {
      let received = 0;
      receiving: for await (const batch of sub.batches()) {
        for (const message of batch) {
          check(message);
          if (++received === count) break receiving;
        }
      }
    },
    "for await over a minimal iterator alone": async () => {
      let received = 0;
      for await (const message of minimalIterable(fixedMessage)) {
        check(message);
        if (++received === count) break;
      }
    },
  });
  const { droppedMessagesTotal } = sub.stats();
  if (droppedMessagesTotal !== 0) throw new Error(`the subscriber dropped ${droppedMessagesTotal} messages`);
  await sub.close();
  child.kill();
  return rows;
}

/** An endless async iterable of `message`, each step an already-resolved promise. */
function minimalIterable(message) {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ value: message, done: false }) }),
  };
}

/** The Pub side's subscriber: subscribes, then reads and discards. */
function reader() {
  const socket = connect(Number(values.port), "127.0.0.1", () => {
    socket.write(Buffer.from(values.subscription, "base64"));
  });
  socket.on("data", () => {});
  socket.on("error", () => process.exit(0));
  socket.on("close", () => process.exit(0));
  console.log("reading");
}

/** The Sub side's publisher: frames written as fast as the socket takes them, once subscribed. */
async function blaster() {
  const { encodePubSub } = await import("@msg/wire");
  const frames = Array.from({ length: FRAMES_PER_CHUNK }, (_, seq) =>
    encodePubSub({
      compression: 0,
      topic: TOPIC,
      timestamp: Date.now() * 1000,
      seq,
      payload: freshPayload(seq),
    }),
  );
  const chunk = Buffer.concat(frames);
  const server = createServer((socket) => {
    socket.once("data", () => {
      const write = () => {
        while (socket.write(chunk));
      };
      socket.on("drain", write);
      write();
    });
    socket.on("error", () => process.exit(0));
    socket.on("close", () => process.exit(0));
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
}

if (values.role === "reader") reader();
else if (values.role === "blaster") await blaster();
else {
  console.log(
    `CPU time and young-generation bytes allocated by the measured side per ${SIZE}-byte message (${count} messages per loop, ${rounds - 1} rounds after a warm-up; ${values.subscribers} subscriber(s) on the Pub side)\n`,
  );
  const headers = ["loop", "CPU ns lowest", "CPU ns median", "bytes allocated"];
  if (values.side !== "sub")
    console.log(`Pub side\n\n${markdownTable(headers, await pubSide(), ["l", "r", "r", "r"])}\n`);
  if (values.side !== "pub")
    console.log(`Sub side\n\n${markdownTable(headers, await subSide(), ["l", "r", "r", "r"])}\n`);
}
