/**
 * Hostile-input flood against a default Rep (its own process) while a good client keeps asking:
 * garbage, oversize headers, frames cut by FIN and by reset, decompression bombs of every codec,
 * many connections holding large incomplete frames, and a slow-loris crowd. Records the Rep's peak
 * RSS per phase, its longest event-loop stall, and the good client's latency; checks that every
 * attack is counted and the good client never fails.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_DECOMPRESSED_SIZE, REQREP_HEADER_SIZE } from "@msg/wire";
import { startChild } from "../lib/child.mjs";
import { bombFrames, rawConnections, reqRepHeader } from "../lib/hostile.mjs";
import { delay } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

const SERVER = fileURLToPath(new URL("../lib/rep-server.mjs", import.meta.url));
const CLIENT = fileURLToPath(new URL("../lib/good-client.mjs", import.meta.url));
const MiB = 1024 * 1024;

await scenario("hostile-flood", async ({ short, figure, check }) => {
  const scale = short ? 0.1 : 1;
  let server;
  /** Polls the server until `done(stats)`; returns the last stats. */
  const until = async (done, what, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await server.ask("stats");
      if (done(stats)) return stats;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(stats)}`);
      await delay(50);
    }
  };
  /** Waits until the server receives no more than the good client's trickle (64 KiB in 500 ms). */
  const settled = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = await server.ask("stats");
    for (;;) {
      await delay(500);
      const now = await server.ask("stats");
      if (now.stats.bytesRx - last.stats.bytesRx < 64 * 1024) return now;
      if (Date.now() > deadline) throw new Error("the server kept receiving");
      last = now;
    }
  };
  const errors = (stats, code) => stats.stats.connectionErrors[code] ?? 0;
  /**
   * Runs one attack phase against a fresh default Rep (its own process) while a good client (its own
   * process too) keeps asking; reports the server's RSS growth and longest event-loop stall over the
   * attack, and the good client's latency.
   */
  const phase = async (name, attack) => {
    server = await startChild(SERVER);
    const { address } = server.ready;
    const client = await startChild(CLIENT, { address });
    await delay(200); // the good client is connected and served before the attack
    const { rssMiB: before } = await server.ask("resetPeak");
    const started = performance.now();
    const stats = await attack(address);
    figure(`${name}: seconds`, Math.round((performance.now() - started) / 100) / 10);
    const growth = Math.round(stats.peakRssMiB - before);
    figure(`${name}: server peak RSS growth`, growth, "MiB");
    figure(`${name}: server longest event-loop stall`, stats.loopDelayMaxMs, "ms");
    const good = await client.ask("results", {}, 30_000);
    figure(`${name}: good client`, good);
    check(
      Object.keys(good.failures).length === 0 && good.requests > 0,
      `${name}: the good client was served throughout, without a failure`,
    );
    await client.stop();
    await server.stop();
    return growth;
  };

  const garbage = Math.round(200 * scale);
  await phase("garbage", async (address) => {
    const peers = await rawConnections(address, garbage, (s) =>
      s.end(Buffer.concat([Buffer.from([0xaa]), randomBytes(64 * 1024)])),
    );
    const stats = await until((s) => errors(s, "wire_id") >= garbage, "garbage counted");
    peers.destroy();
    check(errors(stats, "wire_id") === garbage, `${garbage} garbage connections counted as wire_id`);
    return stats;
  });

  const oversize = Math.round(200 * scale);
  await phase("oversize", async (address) => {
    const peers = await rawConnections(address, oversize, (s) => s.write(reqRepHeader(0xfffffff0)));
    const stats = await until((s) => errors(s, "frame_too_large") >= oversize, "oversize counted");
    peers.destroy();
    check(
      errors(stats, "frame_too_large") === oversize,
      `${oversize} oversize headers counted as frame_too_large`,
    );
    return stats;
  });

  const truncated = Math.round(200 * scale);
  await phase("truncation", async (address) => {
    const half = Buffer.concat([reqRepHeader(1000), Buffer.alloc(500)]);
    const byFin = await rawConnections(address, truncated / 2, (s) => s.end(half));
    // A reset discards what the server's kernel has not handed over yet: reset once the bytes are in.
    const before = (await server.ask("stats")).stats.bytesRx;
    const byReset = await rawConnections(address, truncated / 2, (s) => s.write(half));
    await until((s) => s.stats.bytesRx - before >= truncated * half.length, "the cut-off frames' bytes");
    for (const socket of byReset.sockets) socket.resetAndDestroy();
    const stats = await until((s) => errors(s, "eof_mid_frame") >= truncated, "truncations counted");
    byFin.destroy();
    byReset.destroy();
    check(
      errors(stats, "eof_mid_frame") === truncated,
      `${truncated} cut-off frames (FIN and reset) counted as eof_mid_frame`,
    );
    return stats;
  });

  const bombs = await bombFrames(DEFAULT_MAX_DECOMPRESSED_SIZE);
  const perCodec = short ? 2 : 8;
  await phase("bombs", async (address) => {
    const expected = Object.keys(bombs).length * perCodec;
    const frames = Object.values(bombs).map((b) => b.frame);
    // All at once: each connection sends one bomb of each kind.
    const peers = await rawConnections(address, perCodec, (s) => {
      for (const frame of frames) s.write(frame);
    });
    const stats = await until(
      (s) => (s.dropped.decompressed_too_large ?? 0) >= expected,
      "bombs refused",
      60_000,
    );
    peers.destroy();
    figure(
      "bombs: sizes on the wire",
      Object.fromEntries(Object.entries(bombs).map(([n, b]) => [n, b.payload.length])),
    );
    check(
      stats.dropped.decompressed_too_large === expected,
      `${expected} bombs (${Object.keys(bombs).length} kinds x ${perCodec}) refused as decompressed_too_large`,
    );
    check(stats.peakRssMiB < 1024, "server peak RSS under the bombs stays below 1 GiB");
    return stats;
  });

  const holders = Math.round(100 * scale); // the probe of the issue: 100 x 4 MiB of 16 MiB frames
  const held = short ? 1 * MiB : 4 * MiB;
  const partialGrowth = await phase("incomplete frames", async (address) => {
    const body = Buffer.alloc(held, 1);
    const peers = await rawConnections(address, holders, (s) =>
      s.write(Buffer.concat([reqRepHeader(16 * MiB), body])),
    );
    const stats = await settled();
    peers.destroy();
    figure(
      `incomplete frames: of ${holders} connections declaring 16 MiB and sending ${held / MiB} MiB, closed over the 256 MiB bound`,
      errors(stats, "partial_frames_over_limit"),
    );
    return stats;
  });

  // 400 MiB offered: the live partial frames stay under the 256 MiB bound (connections past it are
  // closed, counted above); RSS also holds socket read buffers and closed connections' buffers until
  // the garbage collector frees them, which under this burst is up to as much again.
  check(partialGrowth < 2 * 256, "incomplete frames: server peak RSS growth below twice the 256 MiB bound");

  const loris = Math.round(2000 * scale);
  const lorisGrowth = await phase("slow loris", async (address) => {
    const peers = await rawConnections(address, loris, (s) =>
      s.write(Buffer.concat([reqRepHeader(16 * MiB), Buffer.from([1])])),
    );
    await until(
      (s) => s.stats.activeClients > loris && s.stats.bytesRx >= loris * (REQREP_HEADER_SIZE + 1),
      "slow connections held",
      60_000,
    );
    await delay(1000); // held for a second while the good client keeps asking
    const stats = await server.ask("stats");
    peers.destroy();
    return stats;
  });
  check(lorisGrowth < 100, `slow loris: ${loris} connections declaring 16 MiB cost under 100 MiB`);
});
