import { ErrorCode, MsgError } from "@msg/core";

/** The delay distributions, as netem names them. */
export const delayDistributions = ["uniform", "normal", "pareto", "paretonormal"] as const;
export type DelayDistribution = (typeof delayDistributions)[number];

/**
 * Gilbert-Elliott burst loss, as netem's `loss gemodel p r 1-h 1-k`. Every value is a percentage
 * (0-100). `h` and `k` keep the model's classic meaning (the chance a packet gets through), so netem's
 * third and fourth arguments are `100 - h` and `100 - k`.
 */
export interface GilbertElliott {
  /** Chance per packet of moving from the good state to the bad state. */
  p: number;
  /** Chance per packet of moving from the bad state back to the good state. Default `100 - p`. */
  r?: number;
  /** Chance a packet gets through in the bad state. Default 0 (every packet in a burst is lost). */
  h?: number;
  /** Chance a packet gets through in the good state. Default 100 (no loss outside bursts). */
  k?: number;
}

/**
 * One direction's impairment. Every field is optional; an empty object is a perfect link. Named after
 * msg-rs linkem's `LinkImpairment` and netem's options; percentages are 0-100 as in netem, durations
 * are milliseconds (fractions allowed).
 */
export interface Impairment {
  /** Mean one-way delay added to each packet or segment. Default 0. */
  latencyMs?: number;
  /**
   * Spread of the delay. `uniform`: the delay is uniform in latency ± jitter (standard deviation
   * jitter/√3). `normal`, `pareto`, `paretonormal`: latency + jitter × t, t of mean 0 and standard
   * deviation 1. A drawn delay below 0 becomes 0. Default 0.
   */
  jitterMs?: number;
  /** Shape of the delay around `latencyMs`. Default `uniform` (as netem without a table, and linkem). */
  distribution?: DelayDistribution;
  /** Correlation of each delay with the previous one, %; the distribution itself is kept (see the README). Default 0. */
  delayCorrelation?: number;
  /** Independent loss, % of packets. Default 0. Not together with `gilbertElliott`. */
  loss?: number;
  /** Correlation of each loss decision with the previous one, %. Default 0. */
  lossCorrelation?: number;
  /** Burst loss instead of `loss`. */
  gilbertElliott?: GilbertElliott;
  /** Packets sent twice, %. Default 0. Invisible on a stream (counted only). */
  duplicate?: number;
  /** Packets with one random bit flipped, %. Default 0. A stream retransmits them (see README). */
  corrupt?: number;
  /** Packets sent at once, overtaking delayed ones, %. Needs `latencyMs` > 0 (as netem). Default 0. */
  reorder?: number;
  /** With `reorder`: only every `gap`-th packet may be reordered (netem's `gap`). Default 1. */
  gap?: number;
  /** Link rate in bits per second (token bucket). Default: unlimited. */
  rateBitsPerSec?: number;
  /** Token bucket size in bytes. Default max(bytes per second ÷ 8, 15000), as linkem. */
  burstBytes?: number;
  /** Packets or segments the link holds at most (netem's `limit`). Default 1000. */
  queueLimitPackets?: number;
  /** With a rate: the queue holds rate × this + burst bytes at most (TBF `latency`). Default 200. */
  queueLatencyMs?: number;
}

/** An impairment with every default filled in, as the links use it. */
export interface ResolvedImpairment {
  latencyMs: number;
  jitterMs: number;
  distribution: DelayDistribution;
  delayCorrelation: number;
  loss: number;
  lossCorrelation: number;
  gilbertElliott: Required<GilbertElliott> | undefined;
  duplicate: number;
  corrupt: number;
  reorder: number;
  gap: number;
  /** Bytes per second; Infinity when unlimited. */
  rateBytesPerSec: number;
  burstBytes: number;
  queueLimitPackets: number;
  /** Bytes the rate queue may hold; Infinity without a rate. */
  queueLimitBytes: number;
  /** True when nothing at all is impaired (the links then take a fast path). */
  perfect: boolean;
}

export const DEFAULT_QUEUE_LIMIT_PACKETS = 1000;
export const DEFAULT_QUEUE_LATENCY_MS = 200;
export const MIN_BURST_BYTES = 15_000;

const percentFields = [
  "delayCorrelation",
  "loss",
  "lossCorrelation",
  "duplicate",
  "corrupt",
  "reorder",
] as const;
const knownFields = new Set<string>([
  "latencyMs",
  "jitterMs",
  "distribution",
  "gilbertElliott",
  "gap",
  "rateBitsPerSec",
  "burstBytes",
  "queueLimitPackets",
  "queueLatencyMs",
  ...percentFields,
]);

function invalid(message: string): MsgError {
  return new MsgError(ErrorCode.InvalidArgument, `invalid impairment: ${message}`);
}

function checkNumber(name: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    throw invalid(`${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
  if (integer && !Number.isInteger(value)) throw invalid(`${name} must be an integer, got ${value}`);
  return value;
}

/**
 * Checks an impairment from untrusted input (an API call, a JSON body) and returns it typed.
 * Throws a MsgError `invalid_argument` naming the field and its accepted range: values are never
 * clamped, and unknown fields are refused (a misspelt field must not silently mean "no impairment").
 */
export function validateImpairment(value: unknown): Impairment {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid(`expected an object, got ${value === null ? "null" : typeof value}`);
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!knownFields.has(key)) throw invalid(`unknown field ${JSON.stringify(key)}`);
  }
  const out: Impairment = {};
  const field = (name: keyof Impairment) => input[name] !== undefined;
  if (field("latencyMs")) out.latencyMs = checkNumber("latencyMs", input.latencyMs, 0, 3_600_000);
  if (field("jitterMs")) out.jitterMs = checkNumber("jitterMs", input.jitterMs, 0, 3_600_000);
  if (field("distribution")) {
    const distribution = input.distribution;
    if (!delayDistributions.includes(distribution as DelayDistribution)) {
      throw invalid(
        `distribution must be one of ${delayDistributions.join(", ")}, got ${String(distribution)}`,
      );
    }
    out.distribution = distribution as DelayDistribution;
  }
  for (const name of percentFields) {
    if (field(name)) out[name] = checkNumber(name, input[name], 0, 100);
  }
  if (field("gilbertElliott")) {
    const ge = input.gilbertElliott;
    if (ge === null || typeof ge !== "object" || Array.isArray(ge))
      throw invalid("gilbertElliott must be an object");
    const model = ge as Record<string, unknown>;
    for (const key of Object.keys(model)) {
      if (!["p", "r", "h", "k"].includes(key))
        throw invalid(`unknown gilbertElliott field ${JSON.stringify(key)}`);
    }
    const checked: GilbertElliott = { p: checkNumber("gilbertElliott.p", model.p, 0, 100) };
    for (const key of ["r", "h", "k"] as const) {
      if (model[key] !== undefined) checked[key] = checkNumber(`gilbertElliott.${key}`, model[key], 0, 100);
    }
    if ((out.loss ?? 0) > 0) throw invalid("loss and gilbertElliott are two loss models; set one");
    out.gilbertElliott = checked;
  }
  if (field("gap")) out.gap = checkNumber("gap", input.gap, 0, 2 ** 31, true);
  if (field("rateBitsPerSec")) {
    out.rateBitsPerSec = checkNumber("rateBitsPerSec", input.rateBitsPerSec, 0, 1e15);
    if (out.rateBitsPerSec === 0)
      throw invalid("rateBitsPerSec must be above 0 (omit it for an unlimited link)");
  }
  if (field("burstBytes")) {
    out.burstBytes = checkNumber("burstBytes", input.burstBytes, 1, 2 ** 40);
  }
  if (field("queueLimitPackets")) {
    out.queueLimitPackets = checkNumber("queueLimitPackets", input.queueLimitPackets, 1, 2 ** 31, true);
  }
  if (field("queueLatencyMs"))
    out.queueLatencyMs = checkNumber("queueLatencyMs", input.queueLatencyMs, 0, 3_600_000);
  if ((out.reorder ?? 0) > 0 && !((out.latencyMs ?? 0) > 0)) {
    throw invalid("reorder needs latencyMs > 0 (a reordered packet overtakes delayed ones, as in netem)");
  }
  return out;
}

/** Validates `impairment` and fills in every default. */
export function resolveImpairment(impairment: Impairment | undefined): ResolvedImpairment {
  const valid = validateImpairment(impairment ?? {});
  const rateBytesPerSec =
    valid.rateBitsPerSec === undefined ? Number.POSITIVE_INFINITY : valid.rateBitsPerSec / 8;
  const burstBytes = valid.burstBytes ?? Math.max(rateBytesPerSec / 8, MIN_BURST_BYTES);
  const queueLatencyMs = valid.queueLatencyMs ?? DEFAULT_QUEUE_LATENCY_MS;
  const ge = valid.gilbertElliott;
  const resolved: ResolvedImpairment = {
    latencyMs: valid.latencyMs ?? 0,
    jitterMs: valid.jitterMs ?? 0,
    distribution: valid.distribution ?? "uniform",
    delayCorrelation: valid.delayCorrelation ?? 0,
    loss: valid.loss ?? 0,
    lossCorrelation: valid.lossCorrelation ?? 0,
    gilbertElliott: ge ? { p: ge.p, r: ge.r ?? 100 - ge.p, h: ge.h ?? 0, k: ge.k ?? 100 } : undefined,
    duplicate: valid.duplicate ?? 0,
    corrupt: valid.corrupt ?? 0,
    reorder: valid.reorder ?? 0,
    // netem (iproute2) turns a missing gap into 1 when reordering is asked for.
    gap: Math.max(1, valid.gap ?? 1),
    rateBytesPerSec,
    burstBytes: Number.isFinite(rateBytesPerSec) ? burstBytes : Number.POSITIVE_INFINITY,
    queueLimitPackets: valid.queueLimitPackets ?? DEFAULT_QUEUE_LIMIT_PACKETS,
    queueLimitBytes: Number.isFinite(rateBytesPerSec)
      ? (rateBytesPerSec * queueLatencyMs) / 1000 + burstBytes
      : Number.POSITIVE_INFINITY,
    perfect: false,
  };
  resolved.perfect =
    resolved.latencyMs === 0 &&
    resolved.jitterMs === 0 &&
    resolved.loss === 0 &&
    (resolved.gilbertElliott === undefined || lossFree(resolved.gilbertElliott)) &&
    resolved.duplicate === 0 &&
    resolved.corrupt === 0 &&
    resolved.reorder === 0 &&
    !Number.isFinite(resolved.rateBytesPerSec);
  return resolved;
}

function lossFree(ge: Required<GilbertElliott>): boolean {
  return ge.k === 100 && (ge.p === 0 || ge.h === 100);
}
