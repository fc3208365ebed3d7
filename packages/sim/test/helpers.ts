import type { LinkDecision, StreamFaults } from "../src/index.js";
import { DatagramLink, type Impairment, ManualScheduler, Prng, StreamLink } from "../src/index.js";

export function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function stddev(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1));
}

/** A datagram link on a manual clock that records what arrives and when. */
export function datagramRig(impairment: Impairment, seed = 1, options: { passThrough?: boolean } = {}) {
  const scheduler = new ManualScheduler();
  const arrivals: { packet: Uint8Array; at: number }[] = [];
  const trace: LinkDecision[] = [];
  const link = new DatagramLink({
    impairment,
    prng: Prng.derive(seed, "a", "b"),
    scheduler,
    deliver: (packet) => arrivals.push({ packet, at: scheduler.now() }),
    trace: (decision) => trace.push(decision),
    ...options,
  });
  return { scheduler, arrivals, trace, link };
}

/** A stream link on a manual clock that records chunks, ends, resets and drains. */
export function streamRig(
  options: {
    impairment?: Impairment;
    faults?: StreamFaults;
    mode?: "stream" | "raw";
    mss?: number;
    passThrough?: boolean;
  },
  seed = 1,
) {
  const scheduler = new ManualScheduler();
  const chunks: { chunk: Uint8Array; at: number }[] = [];
  const trace: LinkDecision[] = [];
  const events: { type: "end" | "reset" | "drain"; at: number; error?: Error }[] = [];
  const link = new StreamLink({
    ...options,
    prng: Prng.derive(seed, "a", "b"),
    scheduler,
    deliver: (chunk) => chunks.push({ chunk: new Uint8Array(chunk), at: scheduler.now() }),
    end: () => events.push({ type: "end", at: scheduler.now() }),
    reset: (error) => events.push({ type: "reset", at: scheduler.now(), error }),
    drain: () => events.push({ type: "drain", at: scheduler.now() }),
    trace: (decision) => trace.push(decision),
  });
  const received = () => Buffer.concat(chunks.map((entry) => entry.chunk));
  return { scheduler, chunks, trace, events, link, received };
}

export function payload(bytes: number, seed = 3): Buffer {
  const prng = new Prng(seed);
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = prng.int(256);
  return out;
}
