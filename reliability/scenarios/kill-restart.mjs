/**
 * Kill and restart a Rep server (its own process, SIGKILL) while Req clients keep it loaded. Every
 * request must settle, with its response or a typed error, within its timeout: none hangs. After
 * each restart the clients reconnect by themselves and are served again.
 */
import { fileURLToPath } from "node:url";
import { ReqSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { startChild } from "../lib/child.mjs";
import { delay, percentile, round } from "../lib/measure.mjs";
import { scenario } from "../lib/scenario.mjs";

const SERVER = fileURLToPath(new URL("../lib/rep-server.mjs", import.meta.url));
const TIMEOUT_MS = 2000;
/** A request not settled this long after its timeout is hung. */
const HUNG_MARGIN_MS = 1000;

await scenario("kill-restart", async ({ short, figure, check }) => {
  const kills = short ? 1 : 10;
  const clients = short ? 4 : 16;
  const inFlightPerClient = 32;
  let server = await startChild(SERVER);
  const { address } = server.ready;
  const outcomes = { ok: 0 };
  let hung = 0;
  let running = true;
  const count = (key) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  /** Sends one request and records how it settled; a watchdog notices one that never does. */
  const one = async (req) => {
    let settled = false;
    const watchdog = setTimeout(() => {
      if (!settled) hung++;
    }, TIMEOUT_MS + HUNG_MARGIN_MS);
    try {
      await req.request("load");
      count("ok");
    } catch (error) {
      count(error?.code ?? "untyped");
    } finally {
      settled = true;
      clearTimeout(watchdog);
    }
  };
  const sockets = Array.from({ length: clients }, () => {
    const req = new ReqSocket(new TcpTransport(), { timeout: TIMEOUT_MS });
    void req.connect(address);
    return req;
  });
  const loops = sockets.flatMap((req) =>
    Array.from({ length: inFlightPerClient }, async () => {
      while (running) await one(req);
    }),
  );
  const recoveries = [];
  for (let i = 0; i < kills; i++) {
    await delay(short ? 500 : 2000);
    await server.kill();
    const killedAt = performance.now();
    await delay(200);
    server = await startChild(SERVER, { address });
    const okBefore = outcomes.ok;
    while (outcomes.ok === okBefore) await delay(5);
    recoveries.push(performance.now() - killedAt);
  }
  await delay(short ? 500 : 2000);
  running = false;
  await Promise.all(loops);
  await Promise.all(sockets.map((s) => s.close()));
  await server.stop();
  figure("kills", kills);
  figure("outcomes", outcomes);
  figure(
    "recovery after kill, median",
    round(percentile(recoveries, 50), 0),
    "ms (kill, 200 ms down, restart, first success)",
  );
  figure("recovery after kill, max", round(Math.max(...recoveries), 0), "ms");
  check(hung === 0, `no request hung (${hung} settled later than timeout + ${HUNG_MARGIN_MS} ms)`);
  check(outcomes.untyped === undefined, "every failure is a typed MsgError");
  check(outcomes.ok > 0, "requests succeed between kills");
});
