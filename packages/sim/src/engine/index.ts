export { DatagramLink, type DatagramLinkOptions } from "./datagram-link.js";
export { type StreamFaults, validateStreamFaults } from "./faults.js";
export {
  DEFAULT_QUEUE_LATENCY_MS,
  DEFAULT_QUEUE_LIMIT_PACKETS,
  type DelayDistribution,
  delayDistributions,
  type GilbertElliott,
  type Impairment,
  MIN_BURST_BYTES,
  type ResolvedImpairment,
  resolveImpairment,
  validateImpairment,
} from "./impairment.js";
export { Prng } from "./prng.js";
export { ManualScheduler, realScheduler, type Scheduler } from "./scheduler.js";
export { emptyLinkStats, type LinkDecision, type LinkStats, sumLinkStats } from "./stats.js";
export { DEFAULT_MSS, MAX_RETRANSMITS, StreamLink, type StreamLinkOptions } from "./stream-link.js";
