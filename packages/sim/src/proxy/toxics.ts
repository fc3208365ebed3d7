import { isMsgError } from "@msg/core";
import { type Impairment, type StreamFaults, validateImpairment } from "../engine/index.js";
import { ApiError, apiErrors } from "./api-error.js";
import type { DirectionConfig, PathConfig } from "./path.js";

/**
 * toxiproxy's toxic model: `{name, type, stream, toxicity, attributes}` with its defaults (stream
 * `downstream`, toxicity 1.0, name `<type>_<stream>`) and its attribute names and units, plus our
 * `netem` type whose attributes are the engine's {@link Impairment} fields.
 */

export type ToxicStream = "upstream" | "downstream";

export interface Toxic {
  name: string;
  type: ToxicType;
  /** `upstream` = client → server, `downstream` = server → client. */
  stream: ToxicStream;
  /** Probability (0-1) that a connection gets the toxic, decided once per connection. */
  toxicity: number;
  attributes: Record<string, unknown>;
}

interface ToxicKind {
  /** Integer attributes and their defaults (Go's zero values, as toxiproxy reports them). */
  attributes?: Record<string, number>;
  /** Stream faults only make sense on a byte stream. */
  tcpOnly: boolean;
  /** Adds this toxic's effect to one direction's config. */
  apply(into: DirectionConfig, attributes: Record<string, unknown>): void;
}

const faults = (into: DirectionConfig): StreamFaults => {
  into.faults ??= {};
  return into.faults;
};
const impairment = (into: DirectionConfig): Impairment => {
  into.impairment ??= {};
  return into.impairment;
};
const num = (value: unknown) => value as number;
/** A fault that fires once: of several such toxics, the smallest value wins. */
const earliest =
  (fault: "resetPeerMs" | "limitDataBytes", attribute: string) =>
  (into: DirectionConfig, attributes: Record<string, unknown>) => {
    const target = faults(into);
    target[fault] = Math.min(target[fault] ?? Number.POSITIVE_INFINITY, num(attributes[attribute]));
  };

/**
 * How toxics combine when several apply to one direction (toxiproxy chains them): latencies and
 * jitters add, the lowest rate wins, slow_close delays add, the earliest timeout / reset / limit wins,
 * the last slicer wins; a netem toxic's fields replace earlier ones except latency and jitter, which add.
 */
const kinds: Record<string, ToxicKind> = {
  latency: {
    attributes: { latency: 0, jitter: 0 },
    tcpOnly: false,
    apply(into, a) {
      const target = impairment(into);
      target.latencyMs = (target.latencyMs ?? 0) + num(a.latency);
      target.jitterMs = (target.jitterMs ?? 0) + num(a.jitter);
    },
  },
  bandwidth: {
    // KB/s, 1 KB = 1000 bytes (toxiproxy sleeps len/rate milliseconds per chunk). 0 = unlimited.
    attributes: { rate: 0 },
    tcpOnly: false,
    apply(into, a) {
      if (num(a.rate) <= 0) return;
      const target = impairment(into);
      target.rateBitsPerSec = Math.min(target.rateBitsPerSec ?? Number.POSITIVE_INFINITY, num(a.rate) * 8000);
    },
  },
  slow_close: {
    attributes: { delay: 0 },
    tcpOnly: true,
    apply(into, a) {
      const target = faults(into);
      target.slowCloseMs = (target.slowCloseMs ?? 0) + num(a.delay);
    },
  },
  timeout: {
    attributes: { timeout: 0 },
    tcpOnly: true,
    apply(into, a) {
      const target = faults(into);
      // 0 means "never close", so it only wins when nothing else closes.
      const current = target.timeout?.ms;
      const ms = num(a.timeout);
      if (current === undefined || (ms > 0 && (current === 0 || ms < current))) target.timeout = { ms };
    },
  },
  reset_peer: {
    attributes: { timeout: 0 },
    tcpOnly: true,
    apply: earliest("resetPeerMs", "timeout"),
  },
  slicer: {
    // average_size and size_variation in bytes, delay in microseconds.
    attributes: { average_size: 0, size_variation: 0, delay: 0 },
    tcpOnly: true,
    apply(into, a) {
      faults(into).slicer = {
        averageSize: num(a.average_size),
        sizeVariation: num(a.size_variation),
        delayUs: num(a.delay),
      };
    },
  },
  limit_data: {
    attributes: { bytes: 0 },
    tcpOnly: true,
    apply: earliest("limitDataBytes", "bytes"),
  },
  netem: {
    tcpOnly: false,
    apply(into, a) {
      const target = impairment(into);
      const { latencyMs, jitterMs, ...rest } = a as Impairment;
      Object.assign(target, rest);
      if (latencyMs !== undefined) target.latencyMs = (target.latencyMs ?? 0) + latencyMs;
      if (jitterMs !== undefined) target.jitterMs = (target.jitterMs ?? 0) + jitterMs;
    },
  },
};

export type ToxicType = keyof typeof kinds;
export const toxicTypes = Object.keys(kinds);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Checks a toxic's attributes for its type and fills in the defaults. Integer attributes must be whole
 * numbers >= 0 (toxiproxy decodes them into int64); unknown attribute names are ignored, as toxiproxy
 * ignores them. `netem` attributes go through the engine's validation (unknown fields refused).
 */
function checkAttributes(
  type: string,
  input: unknown,
  base: Record<string, unknown>,
): Record<string, unknown> {
  if (input !== undefined && input !== null && !isObject(input)) {
    throw apiErrors.badRequestBody.with("attributes must be an object");
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const kind = kinds[type]!;
  if (!kind.attributes) {
    try {
      return { ...validateImpairment({ ...base, ...given }) };
    } catch (error) {
      if (isMsgError(error)) throw apiErrors.badRequestBody.with(error.message);
      throw error;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, fallback] of Object.entries(kind.attributes)) {
    const value = given[name] ?? base[name] ?? fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw apiErrors.badRequestBody.with(`attribute ${name} of a ${type} toxic must be a whole number >= 0`);
    }
    out[name] = value;
  }
  if (type === "slicer") {
    if (num(out.average_size) < 1)
      throw apiErrors.badRequestBody.with("slicer average_size must be at least 1");
    if (num(out.size_variation) >= num(out.average_size)) {
      throw apiErrors.badRequestBody.with("slicer size_variation must be below average_size");
    }
  }
  return out;
}

function checkToxicity(value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw apiErrors.badRequestBody.with("toxicity must be a number from 0 to 1");
  }
  return value;
}

/** Parses a POST /proxies/{name}/toxics body into a toxic, with toxiproxy's defaults. Throws ApiError. */
export function parseToxic(body: unknown, protocol: "tcp" | "udp"): Toxic {
  if (!isObject(body)) throw apiErrors.badRequestBody.with("expected a JSON object");
  const stream = body.stream ?? "downstream";
  if (typeof stream !== "string") throw apiErrors.badRequestBody.with("stream must be a string");
  const direction = stream.toLowerCase();
  if (direction !== "upstream" && direction !== "downstream") throw apiErrors.invalidStream;
  const type = body.type;
  if (typeof type !== "string" || !(type in kinds)) throw apiErrors.invalidToxicType;
  if (protocol === "udp" && kinds[type]!.tcpOnly) {
    throw new ApiError(
      `toxic type ${type} needs a byte stream; a udp proxy takes latency, bandwidth, netem`,
      400,
    );
  }
  const name = body.name ?? "";
  if (typeof name !== "string") throw apiErrors.badRequestBody.with("name must be a string");
  return {
    name: name === "" ? `${type}_${stream}` : name,
    type,
    stream: direction,
    toxicity: checkToxicity(body.toxicity ?? 1),
    attributes: checkAttributes(type, body.attributes, {}),
  };
}

/**
 * Applies a POST /proxies/{name}/toxics/{toxic} body: `attributes` are merged over the current ones
 * and `toxicity` replaces the current one when given (type, stream and name do not change, as in
 * toxiproxy). Returns the updated toxic; throws ApiError.
 */
export function updateToxic(toxic: Toxic, body: unknown): Toxic {
  if (!isObject(body)) throw apiErrors.badRequestBody.with("expected a JSON object");
  return {
    ...toxic,
    toxicity: body.toxicity === undefined ? toxic.toxicity : checkToxicity(body.toxicity),
    attributes: checkAttributes(toxic.type, body.attributes, toxic.attributes),
  };
}

/** The engine configuration of a connection that got `toxics` (in the order they were added). */
export function pathOf(toxics: Iterable<Toxic>): PathConfig {
  const path: PathConfig = { up: {}, down: {} };
  for (const toxic of toxics) {
    kinds[toxic.type]!.apply(toxic.stream === "upstream" ? path.up : path.down, toxic.attributes);
  }
  return path;
}
