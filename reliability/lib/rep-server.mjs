/**
 * A Rep echo server in its own process, for the scenarios that attack, load or kill a server. Options
 * (JSON in argv[2]): `address` (default 127.0.0.1:0) and `rep` (RepSocket options). Answers `stats`
 * with the Rep's stats, its RSS and peak RSS, and the event loop's longest delay since `resetPeak`.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { RepSocket } from "@msg/socket";
import { TcpTransport } from "@msg/transport-tcp";
import { serveParent } from "./child.mjs";
import { peakRssMiB, resetPeakRss, round, rssMiB } from "./measure.mjs";

const options = JSON.parse(process.argv[2] ?? "{}");
const rep = new RepSocket(new TcpTransport(), options.rep ?? {});
const address = await rep.bind(options.address ?? "127.0.0.1:0");
const peerErrors = {};
rep.on("peerError", ({ error }) => {
  peerErrors[error.code] = (peerErrors[error.code] ?? 0) + 1;
});
const dropped = {};
rep.on("messageDropped", ({ reason }) => {
  dropped[reason] = (dropped[reason] ?? 0) + 1;
});
(async () => {
  for await (const request of rep) request.respond(request.payload);
})();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

serveParent({
  ready: () => ({ address }),
  stop: () => rep.close(),
  handlers: {
    stats: () => {
      return {
        stats: rep.stats(),
        peerErrors: { ...peerErrors },
        dropped: { ...dropped },
        rssMiB: rssMiB(),
        peakRssMiB: peakRssMiB(),
        loopDelayMaxMs: round(loopDelay.max / 1e6, 1),
      };
    },
    /** Starts a measurement: peak RSS and the longest event-loop delay count from now. */
    resetPeak: () => {
      globalThis.gc?.();
      resetPeakRss();
      loopDelay.reset();
      return { rssMiB: rssMiB() };
    },
  },
});
