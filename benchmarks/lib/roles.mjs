/**
 * What a benchmark child process does, one role per process. A role wraps a target's plugin functions
 * (see README "Targets") with the measuring loops, so that every target is driven by the same code:
 * the targets only move bytes, the roles count and time them.
 */
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** Messages a publisher sends between two yields to the event loop (lets I/O and timers run). */
const PUBLISH_BURST = 256;
/** How often a rate-limited publisher catches up with its schedule. */
const PACING_INTERVAL_MS = 2;

export function payloadOf(size) {
  return Buffer.alloc(size, 0x61);
}

function plugin(target, kind) {
  const found = target[kind];
  if (!found) throw new Error(`target ${target.name} has no ${kind} plugin`);
  return found;
}

async function reqrepServer(target, { mode }) {
  const server = await plugin(target, "reqrep").server({ mode });
  return { ready: { address: server.address }, close: () => server.close() };
}

async function reqrepClient(target, { mode, address }) {
  const client = await plugin(target, "reqrep").client({ mode, address });
  return {
    methods: {
      run({ pattern, size, window, durationMs }) {
        const payload = payloadOf(size);
        if (pattern === "sequential") return runSequential(client, payload, durationMs);
        return runPipelined(client, payload, window, durationMs);
      },
    },
    close: () => client.close(),
  };
}

/** One request at a time: round trips completed in `durationMs`. */
async function runSequential(client, payload, durationMs) {
  const start = performance.now();
  const end = start + durationMs;
  let completed = 0;
  let now = start;
  while (now < end) {
    await client.request(payload);
    completed++;
    now = performance.now();
  }
  return { completed, elapsedMs: now - start };
}

/**
 * Keeps `window` requests in flight: each response issues the next request until `durationMs` has
 * passed; responses after that are drained but not counted, so the next run starts from idle.
 */
function runPipelined(client, payload, window, durationMs) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const end = start + durationMs;
    let inFlight = 0;
    let completed = 0;
    let stoppedAt = 0;
    let failed = false;
    const fail = (error) => {
      if (!failed) reject(error);
      failed = true;
    };
    const onResponse = () => {
      inFlight--;
      if (stoppedAt === 0) {
        completed++;
        const now = performance.now();
        if (now < end) issue();
        else stoppedAt = now;
      }
      if (stoppedAt !== 0 && inFlight === 0 && !failed) {
        resolve({ completed, elapsedMs: stoppedAt - start });
      }
    };
    const issue = () => {
      inFlight++;
      client.request(payload).then(onResponse, fail);
    };
    for (let i = 0; i < window; i++) issue();
  });
}

async function publisher(target, { topic, backpressure }) {
  const pub = await plugin(target, "pubsub").publisher({ topic, backpressure });
  let loop; // the running publish loop, if any
  let stopRequested = false;
  let sent = 0;
  let loopError;

  async function publishLoop(payload, rate) {
    const start = performance.now();
    while (!stopRequested) {
      // Unlimited: one burst per turn of the event loop. Rate-limited: catch up with the schedule.
      const due = rate > 0 ? Math.floor(((performance.now() - start) * rate) / 1000) - sent : PUBLISH_BURST;
      for (let i = 0; i < due && !stopRequested; i++) {
        const waitFor = pub.publish(payload);
        sent++;
        if (waitFor) await waitFor;
      }
      if (rate > 0) await new Promise((resolve) => setTimeout(resolve, PACING_INTERVAL_MS));
      else await yieldToEventLoop();
    }
  }

  const methods = {
    /** Starts publishing `size`-byte messages, as fast as possible (`rate` 0) or `rate` per second. */
    startPublishing({ size, rate = 0 }) {
      if (loop) throw new Error("already publishing");
      stopRequested = false;
      sent = 0;
      loop = publishLoop(payloadOf(size), rate).catch((error) => {
        loopError = error;
      });
      return {};
    },
    async stopPublishing() {
      stopRequested = true;
      await loop;
      loop = undefined;
      if (loopError) throw loopError;
      return { sent };
    },
    snapshot() {
      if (loopError) throw loopError;
      return { sent, at: performance.timeOrigin + performance.now() };
    },
  };
  return {
    ready: { address: pub.address },
    methods,
    close: async () => {
      stopRequested = true;
      await loop;
      await pub.close();
    },
  };
}

/**
 * `count` subscribers in one process. They count only messages of the size set by `expectSize`, so
 * that messages of an earlier case still in flight (zeromq and axon queue thousands) never inflate
 * the next case; since one publisher's messages arrive in order, the first message of the new size
 * also means the old backlog is gone.
 */
async function subscribers(target, { address, topic, count }) {
  const pubsub = plugin(target, "pubsub");
  const messages = new Array(count).fill(0);
  const bytes = new Array(count).fill(0);
  let expectedSize = -1;
  const subs = [];
  try {
    for (let i = 0; i < count; i++) {
      subs.push(
        await pubsub.subscriber({
          address,
          topic,
          onMessage(payload) {
            if (payload.length !== expectedSize) return;
            messages[i]++;
            bytes[i] += payload.length;
          },
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(subs.map((sub) => sub.close()));
    throw error;
  }
  return {
    methods: {
      expectSize({ size }) {
        expectedSize = size;
        messages.fill(0);
        bytes.fill(0);
        return {};
      },
      snapshot: () => ({
        messages: [...messages],
        bytes: [...bytes],
        at: performance.timeOrigin + performance.now(),
      }),
    },
    close: async () => {
      await Promise.allSettled(subs.map((sub) => sub.close()));
    },
  };
}

export const roles = { reqrepServer, reqrepClient, publisher, subscribers };
