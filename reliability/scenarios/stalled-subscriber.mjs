/**
 * A subscriber frozen (SIGSTOP) while the publisher keeps publishing: the publisher's memory stays
 * bounded by its per-subscriber queue, it drops and counts what does not fit, and once the
 * subscriber wakes up, the messages it is missing by its sequence numbers equal what the publisher
 * dropped for it (the drops are numbered, so they show as gaps). A healthy subscriber keeps up.
 */
import { fileURLToPath } from "node:url";
import { PubSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { startChild } from "../lib/child.mjs";
import { delay, peakRssMiB, resetPeakRss, rssMiB } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

const SUB = fileURLToPath(new URL("../lib/sub-client.mjs", import.meta.url));
const MAX_QUEUE_BYTES = 8 * 1024 * 1024;

await scenario("stalled-subscriber", async ({ short, figure, check }) => {
  const stallMs = short ? 1500 : 20_000;
  const rate = 20_000; // messages per second, 1 KiB each: about 20 MB/s
  const payload = Buffer.alloc(1024, 7);
  const pub = new PubSocket(new TcpTransport(), { maxQueueBytes: MAX_QUEUE_BYTES });
  const address = await pub.bind("127.0.0.1:0");
  let subscriptions = 0;
  pub.on("subscribed", () => subscriptions++);
  const options = { address, topic: "load", endTopic: "end" };
  const healthy = await startChild(SUB, options);
  const stalled = await startChild(SUB, options);
  while (subscriptions < 4) await delay(5);

  /** Publishes at `rate` for `ms`, in 10 ms steps. */
  let published = 0;
  const publishFor = async (ms) => {
    const started = performance.now();
    let sent = 0;
    while (performance.now() - started < ms) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
      for (let i = 0; i < due; i++) pub.publish("load", payload);
      sent += due;
      await delay(10);
    }
    published += sent;
  };
  await publishFor(300);
  globalThis.gc?.();
  resetPeakRss();
  const rssBefore = rssMiB();
  process.kill(stalled.pid, "SIGSTOP");
  await publishFor(stallMs);
  const peak = peakRssMiB();
  process.kill(stalled.pid, "SIGCONT");
  // The end marker goes once every queue has drained, so it is not dropped itself.
  const drainDeadline = Date.now() + 60_000;
  while (pub.subscribers().some((s) => s.queuedBytes > 0) && Date.now() < drainDeadline) await delay(20);
  const infos = pub.subscribers();
  const stalledInfo = infos.reduce((a, b) => (b.dropped > a.dropped ? b : a));
  const healthyInfo = infos.find((s) => s !== stalledInfo);
  pub.publish("end", "end");
  const reports = [];
  for (const child of [healthy, stalled]) {
    const deadline = Date.now() + 30_000;
    let report = await child.ask("stats");
    while (!report.ended && Date.now() < deadline) {
      await delay(20);
      report = await child.ask("stats");
    }
    reports.push(report);
  }
  const [healthyReport, stalledReport] = reports.map((r) => ({
    ended: r.ended,
    ...Object.values(r.stats.publishers)[0],
  }));
  await healthy.stop();
  await stalled.stop();
  await pub.close();

  figure("stall", stallMs, "ms");
  figure("messages published (1 KiB, 20k/s)", published);
  figure("publisher RSS before the stall -> peak during it", `${rssBefore} -> ${peak}`, "MiB");
  figure("dropped by the publisher for the stalled subscriber", stalledInfo.dropped);
  figure("missing at the stalled subscriber (by seq)", stalledReport.missing);
  figure("seq gaps (jumps) at the stalled subscriber", stalledReport.seqGaps);
  figure(
    "healthy subscriber: received, missing",
    `${healthyReport.messagesReceived}, ${healthyReport.missing}`,
  );
  check(stalledReport.ended && healthyReport.ended, "both subscribers got the end marker");
  check(stalledInfo.dropped > 0, "the publisher dropped for the stalled subscriber");
  check(
    stalledReport.missing === stalledInfo.dropped,
    "missing at the subscriber = dropped at the publisher",
  );
  check(
    peak - rssBefore < (MAX_QUEUE_BYTES / 1024 / 1024) * 4 + 32,
    "publisher RSS growth bounded by its 8 MiB queue (with slack for the process)",
  );
  check(
    healthyReport.missing === (healthyInfo?.dropped ?? 0),
    "the healthy subscriber's missing = what was dropped for it",
  );
  check(
    healthyReport.messagesReceived === published + 1 - (healthyInfo?.dropped ?? 0),
    "the healthy subscriber received everything else",
  );
});
