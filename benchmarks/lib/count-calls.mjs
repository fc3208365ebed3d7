/**
 * Preload (`node --import ./benchmarks/lib/count-calls.mjs ...`) that counts, for one process, the work
 * issue 14 asks to count per round trip: UDP datagrams each way, calls into quiche's native binding (by
 * method), timers and immediates armed, promises created, AbortControllers, stack traces captured, and
 * WHATWG stream chunks. On exit it appends one JSON line `{ role, argv, counts }` to `$COUNT_CALLS_OUT`
 * (`role` from `$COUNT_CALLS_ROLE`). Counting slows the process (the promise hook most): use it for
 * counts, never for timing. Used by quic-profile.mjs.
 */
import { createHook } from "node:async_hooks";
import dgram from "node:dgram";
import { appendFileSync, existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const counts = {};
const bump = (key, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

function wrapMethod(owner, name, key) {
  const original = owner[name];
  const descriptor = Object.getOwnPropertyDescriptor(owner, name);
  if (typeof original !== "function" || !(descriptor?.configurable || descriptor?.writable)) return false;
  Object.defineProperty(owner, name, {
    configurable: true,
    writable: true,
    value: function counted(...args) {
      bump(key);
      return original.apply(this, args);
    },
  });
  return true;
}

// UDP datagrams: sent through Socket#send, received as "message" events.
wrapMethod(dgram.Socket.prototype, "send", "udp.sent");
const emit = dgram.Socket.prototype.emit;
dgram.Socket.prototype.emit = function countedEmit(event, ...args) {
  if (event === "message") bump("udp.received");
  return emit.call(this, event, ...args);
};

// Timers, immediates, AbortControllers, stack traces.
wrapMethod(globalThis, "setTimeout", "timers.setTimeout");
wrapMethod(globalThis, "setImmediate", "timers.setImmediate");
const NativeAbortController = globalThis.AbortController;
globalThis.AbortController = class CountedAbortController extends NativeAbortController {
  constructor() {
    super();
    bump("abortControllers");
  }
};
const captureStackTrace = Error.captureStackTrace;
wrapMethod(Error, "captureStackTrace", "errors.captureStackTrace");

// Promises, through the async-hooks promise hook. With COUNT_CALLS_PROMISE_SITES=N, every Nth promise's
// creator (the first stack frame outside Node's internals) is tallied too, as `promiseSite.<frame>`
// (scaled back up by N).
const siteEvery = Number(process.env.COUNT_CALLS_PROMISE_SITES ?? 0);
let promiseCount = 0;
createHook({
  init(_id, type) {
    if (type !== "PROMISE") return;
    bump("promises");
    if (siteEvery > 0 && ++promiseCount % siteEvery === 0) bump(`promiseSite.${promiseCreator()}`, siteEvery);
  },
}).enable();

function promiseCreator() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  const holder = {};
  captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  const frames = holder.stack.split("\n").slice(1);
  // Skipped: Node's internals, this file, and builtins (`Promise.then`, `new Promise`) that name no file.
  const skipped = ["node:", "count-calls.mjs", "(<anonymous>)"];
  const outside = frames.find((frame) => !skipped.some((part) => frame.includes(part)));
  if (outside === undefined) return "(node internals)";
  const match = outside.match(/at (?:async )?(\S+)?.*?([^/\s(]+\.[cm]?js):\d+/);
  return match ? `${match[1] ?? "(anonymous)"} ${match[2]}` : outside.trim();
}

// WHATWG stream chunks: enqueued into readables, written to writables.
wrapMethod(globalThis.ReadableStreamDefaultController.prototype, "enqueue", "webStreams.enqueue");
wrapMethod(globalThis.WritableStreamDefaultWriter.prototype, "write", "webStreams.write");

// quiche's native binding, as @msg/transport-quic resolves it (the same module instance: ESM and the
// addon loader both resolve symlinks).
const quicheFile = fileURLToPath(
  new URL("../../packages/transport-quic/node_modules/@matrixai/quic/dist/native/quiche.js", import.meta.url),
);
if (existsSync(quicheFile)) {
  const { default: quiche } = await import(pathToFileURL(quicheFile).href);
  for (const name of Object.getOwnPropertyNames(quiche.Connection.prototype)) {
    if (name !== "constructor") wrapMethod(quiche.Connection.prototype, name, `native.Connection.${name}`);
  }
  // The static functions (Header.fromSlice, Connection.accept/connect) are read-only: not counted.
}

process.on("exit", () => {
  const out = process.env.COUNT_CALLS_OUT;
  if (!out) return;
  const role = process.env.COUNT_CALLS_ROLE ?? "unknown";
  const argv = process.argv.slice(2).join(" ");
  appendFileSync(out, `${JSON.stringify({ role, argv, counts })}\n`);
});
