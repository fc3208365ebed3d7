/**
 * Pub/Sub suite: for each target with a `pubsub` plugin, one publisher process and one process holding
 * 1 or 10 subscribers, on loopback. The publisher sends as fast as the target lets it (waiting where
 * the target reports backpressure); the subscribers count what arrives in a fixed window after a
 * warm-up. Reported per subscriber (messages/s), in total (MB/s of payload over all subscribers), and
 * as received/sent (below 1 for targets that drop, like zeromq at its high-water mark).
 */
import { firstLine, formatCount, formatMBps, formatRatio, formatSize } from "../lib/format.mjs";
import { closeSessions, measureInterleaved, openSessions } from "../lib/interleave.mjs";
import { medianSample } from "../lib/stats.mjs";
import { markdownTable } from "../lib/table.mjs";
import { delay, pollUntil } from "../lib/timing.mjs";

export const SUBSCRIBER_COUNTS = [1, 10];
export const SIZES = [64, 512, 4096, 64 * 1024];
export const TOPIC = "bench";
/** How long subscribers may take to receive their first message (connect, subscribe, join). */
export const FIRST_MESSAGE_TIMEOUT_MS = 5000;

/** Starts a target's publisher process and the process holding its subscribers. */
async function openGroup(target, start, count) {
  const spec = { targetPath: target.path };
  const publisher = await start(`${target.name} publisher`, {
    ...spec,
    role: "publisher",
    options: { topic: TOPIC, backpressure: true },
  });
  const subscribers = await start(`${target.name} ${count} subscriber(s)`, {
    ...spec,
    role: "subscribers",
    options: { address: publisher.ready.address, topic: TOPIC, count },
  });
  return { publisher, subscribers };
}

/** Publisher and subscriber counters at (nearly) the same moment. */
async function snapshot(publisher, subscribers) {
  const [pub, subs] = await Promise.all([publisher.call("snapshot"), subscribers.call("snapshot")]);
  return { pub, subs };
}

/** Rates between two snapshots. */
function rates(before, after) {
  const seconds = (after.subs.at - before.subs.at) / 1000;
  const perSub = after.subs.messages.map((count, i) => count - before.subs.messages[i]);
  const bytes = after.subs.bytes.reduce((sum, count, i) => sum + count - before.subs.bytes[i], 0);
  const meanReceived = perSub.reduce((a, b) => a + b, 0) / perSub.length;
  const sent = after.pub.sent - before.pub.sent;
  return {
    rate: meanReceived / seconds,
    bytesPerSecond: bytes / seconds,
    receivedPerSent: sent > 0 ? meanReceived / sent : 0,
  };
}

/**
 * Starts publishing `size`-byte messages, waits until every subscriber receives them, warms up,
 * measures one window, stops publishing.
 */
export async function measureWindow({ value: { publisher, subscribers } }, { size }, durationMs, warmupMs) {
  await subscribers.call("expectSize", { size });
  await publisher.call("startPublishing", { size });
  try {
    await pollUntil(
      async () => (await subscribers.call("snapshot")).messages.every((count) => count > 0),
      FIRST_MESSAGE_TIMEOUT_MS,
      `every subscriber receiving ${size}-byte messages`,
    );
    await delay(warmupMs);
    const before = await snapshot(publisher, subscribers);
    await delay(durationMs);
    return rates(before, await snapshot(publisher, subscribers));
  } finally {
    await publisher.call("stopPublishing", {}, 30_000);
  }
}

function sizesFor(config) {
  return config.quick ? [SIZES[0], SIZES.at(-1)] : SIZES;
}

/** How many windows the suite will measure, for the progress line. */
export function countPubsubSteps(targets, config) {
  const withPlugin = targets.filter((target) => target.module.pubsub).length;
  return withPlugin * SUBSCRIBER_COUNTS.length * sizesFor(config).length * config.repeats;
}

export async function pubsubSuite(targets, config) {
  const rows = [];
  const withPlugin = targets.filter((target) => target.module.pubsub);
  const sizes = sizesFor(config);
  const cases = sizes.map((size) => ({ size, label: formatSize(size) }));
  for (const count of SUBSCRIBER_COUNTS) {
    const what = `pubsub ${count} sub(s)`;
    const sessions = await openSessions(
      withPlugin,
      (target, start) => openGroup(target, start, count),
      config,
      what,
    );
    try {
      const measure = (session, oneCase, durationMs) =>
        measureWindow(session, oneCase, durationMs, config.warmupMs);
      const results = await measureInterleaved(sessions, cases, measure, config, { what, warmup: false });
      for (const { session, oneCase, samples, error } of results) {
        const { target } = session;
        const row = {
          target: target.name,
          baseline: target.module.baseline,
          sockets: target.module.pubsub.sockets,
          subscribers: count,
          size: oneCase.size,
        };
        if (error) rows.push({ ...row, error });
        else
          rows.push({ ...row, ...medianSample(samples, (s) => s.rate), samples: samples.map((s) => s.rate) });
      }
    } catch (error) {
      config.fail(what, error);
      rows.push({ target: "—", subscribers: count, error: firstLine(error) });
    } finally {
      await closeSessions(sessions);
    }
  }
  return rows;
}

/** The suite's markdown table: one row per subscriber count, size and target. */
export function renderPubsub(rows) {
  const baselineOf = (row) =>
    rows.find(
      (r) =>
        r.target === row.baseline && r.subscribers === row.subscribers && r.size === row.size && !r.error,
    );
  const body = rows.map((row) => [
    row.subscribers,
    row.size === undefined ? "" : formatSize(row.size),
    row.target,
    row.sockets,
    row.error ? `error: ${row.error}` : formatCount(row.rate),
    row.error ? "" : formatMBps(row.bytesPerSecond),
    row.error ? "" : row.receivedPerSent.toFixed(2),
    row.error ? "" : `${formatRatio(row.rate, baselineOf(row)?.rate)} ${row.baseline}`,
  ]);
  const headers = [
    "subs",
    "size",
    "target",
    "sockets",
    "msg/s per sub",
    "MB/s all subs",
    "recv/sent",
    "vs baseline",
  ];
  return markdownTable(headers, body, ["r", "r", "l", "l", "r", "r", "r", "r"]);
}
