/**
 * Stalled-subscriber suite: what a publisher's memory does when one subscriber connects, subscribes and
 * then never reads again. The publisher offers a fixed load (20 000 messages/s of 512 B, about
 * 10 MB/s) with no harness-side backpressure, so each target's own policy decides: buffer without
 * limit, block, or drop. A healthy subscriber shows whether the others still get their messages.
 * The stalled subscriber is a whole process frozen with SIGSTOP, so the measurement needs nothing from
 * the target: the connection stays open, its kernel buffers fill, and nothing is read any more.
 */
import { withChildren } from "../lib/child.mjs";
import { firstLine, formatCount, formatMBps, formatMiB } from "../lib/format.mjs";
import { markdownTable } from "../lib/table.mjs";
import { delay, pollUntil } from "../lib/timing.mjs";
import { FIRST_MESSAGE_TIMEOUT_MS, TOPIC } from "./pubsub.mjs";

export const OFFERED_RATE = 20_000;
export const SIZE = 512;
const RSS_SAMPLE_INTERVAL_MS = 200;

async function measure(target, config) {
  return withChildren(async (start) => {
    const spec = { targetPath: target.path };
    const publisher = await start(`${target.name} publisher`, {
      ...spec,
      role: "publisher",
      options: { topic: TOPIC, backpressure: false },
    });
    const subscriberSpec = {
      ...spec,
      role: "subscribers",
      options: { address: publisher.ready.address, topic: TOPIC, count: 1 },
    };
    const healthy = await start(`${target.name} healthy subscriber`, subscriberSpec);
    const stalled = await start(`${target.name} stalled subscriber`, subscriberSpec);
    for (const subscriber of [healthy, stalled]) await subscriber.call("expectSize", { size: SIZE });
    await publisher.call("startPublishing", { size: SIZE, rate: OFFERED_RATE });
    for (const subscriber of [healthy, stalled]) {
      await pollUntil(
        async () => (await subscriber.call("snapshot")).messages[0] > 0,
        FIRST_MESSAGE_TIMEOUT_MS,
        `${subscriber.label} receiving`,
      );
    }
    await delay(config.warmupMs);

    stalled.freeze();
    const rssBefore = await publisher.rssBytes();
    const healthyBefore = await healthy.call("snapshot");
    let rssPeak = rssBefore;
    const stallEnd = Date.now() + config.stallMs;
    while (Date.now() < stallEnd) {
      await delay(RSS_SAMPLE_INTERVAL_MS);
      rssPeak = Math.max(rssPeak, await publisher.rssBytes());
    }
    const rssAfter = await publisher.rssBytes();
    const healthyAfter = await healthy.call("snapshot");
    await stalled.kill();
    await publisher.call("stopPublishing", {}, 30_000);

    const seconds = (healthyAfter.at - healthyBefore.at) / 1000;
    return {
      healthyRate: (healthyAfter.messages[0] - healthyBefore.messages[0]) / seconds,
      rssBefore,
      rssAfter,
      rssPeak,
      growthPerSecond: (rssAfter - rssBefore) / seconds,
    };
  });
}

/** One measurement per target with a Pub/Sub plugin, for the progress line. */
export function countStalledSteps(targets) {
  return targets.filter((target) => target.module.pubsub).length;
}

export async function stalledSuite(targets, config) {
  const rows = [];
  for (const target of targets.filter((t) => t.module.pubsub)) {
    const row = {
      target: target.name,
      sockets: target.module.pubsub.sockets,
      offeredRate: OFFERED_RATE,
      size: SIZE,
    };
    config.log(`stalled ${target.name}`);
    try {
      rows.push({ ...row, ...(await measure(target, config)) });
    } catch (error) {
      config.fail(`stalled ${target.name}`, error);
      rows.push({ ...row, error: firstLine(error) });
    }
  }
  return rows;
}

/** The suite's markdown table: one row per target. */
export function renderStalled(rows) {
  const body = rows.map((row) => [
    row.target,
    row.sockets,
    formatCount(row.offeredRate),
    row.error ? `error: ${row.error}` : formatCount(row.healthyRate),
    row.error ? "" : formatMiB(row.rssBefore),
    row.error ? "" : formatMiB(row.rssAfter),
    row.error ? "" : formatMiB(row.rssPeak),
    row.error ? "" : formatMBps(row.growthPerSecond),
  ]);
  const headers = [
    "target",
    "sockets",
    "offered msg/s",
    "healthy sub msg/s",
    "pub RSS before MiB",
    "after MiB",
    "peak MiB",
    "growth MB/s",
  ];
  return markdownTable(headers, body, ["l", "l", "r", "r", "r", "r", "r", "r"]);
}
