/**
 * Connect/close churn: Req and Sub sockets that connect, do one thing and close, thousands of times,
 * against one Rep and one Pub in the same process. Afterwards open file descriptors, active handles
 * and the heap must be back at their baseline (taken after a warm-up).
 */
import { PubSocket, RepSocket, ReqSocket, SubSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { delay, openFds, round } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

function heapMiB() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function handles() {
  return process.getActiveResourcesInfo().filter((kind) => kind !== "Timeout" && kind !== "Immediate").length;
}

await scenario("churn", async ({ short, figure, check }) => {
  const cycles = short ? 100 : 3000;
  const rep = new RepSocket(new TcpTransport());
  const repAddress = await rep.bind("127.0.0.1:0");
  (async () => {
    for await (const request of rep) request.respond(request.payload);
  })();
  const pub = new PubSocket(new TcpTransport());
  const pubAddress = await pub.bind("127.0.0.1:0");

  const cycle = async () => {
    const req = new ReqSocket(new TcpTransport(), { timeout: 5000 });
    void req.connect(repAddress);
    await req.request("churn");
    await req.close();
    const sub = new SubSocket(new TcpTransport());
    const subscribed = new Promise((resolve) => pub.once("subscribed", resolve));
    await sub.subscribe("churn");
    await sub.connect(pubAddress);
    await subscribed;
    pub.publish("churn", "x");
    for await (const _ of sub) break;
    await sub.close();
  };
  /** Lets the closed connections finish closing on both sides. */
  const quiesce = async () => {
    const deadline = Date.now() + 5000;
    while ((rep.stats().activeClients > 0 || pub.stats().activeClients > 0) && Date.now() < deadline)
      await delay(10);
    await delay(100);
  };

  for (let i = 0; i < 50; i++) await cycle(); // warm-up: JIT, pools, lazy loads
  await quiesce();
  const baseline = { fds: openFds(), handles: handles(), heapMiB: heapMiB() };
  const started = performance.now();
  for (let i = 0; i < cycles; i++) await cycle();
  const seconds = (performance.now() - started) / 1000;
  await quiesce();
  const after = { fds: openFds(), handles: handles(), heapMiB: heapMiB() };
  await rep.close();
  await pub.close();
  figure("cycles (one Req request + one Sub message each)", cycles);
  figure("cycles per second", round(cycles / seconds, 0));
  figure("open fds: baseline -> after", `${baseline.fds} -> ${after.fds}`);
  figure("active handles: baseline -> after", `${baseline.handles} -> ${after.handles}`);
  figure("heap used: baseline -> after", `${round(baseline.heapMiB)} -> ${round(after.heapMiB)}`, "MiB");
  check(after.fds <= baseline.fds, "file descriptors back to baseline");
  check(after.handles <= baseline.handles, "active handles back to baseline");
  check(after.heapMiB - baseline.heapMiB < 5, "heap within 5 MiB of its baseline");
});
