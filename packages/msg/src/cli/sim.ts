import { readFileSync } from "node:fs";
import { ErrorCode, MsgError } from "@msg/core";
import {
  DEFAULT_API_ADDRESS,
  type Impairment,
  type PathConfig,
  PopulateError,
  ProxyRegistry,
  parseProxyInput,
  parseRate,
  TcpProxy,
  ToxiproxyApi,
  UdpProxy,
  validateImpairment,
} from "@msg/sim";
import { integer } from "./args.js";
import { asUsage, type Command, commonFlags, defineCommand, type FlagSpecs, UsageError } from "./command.js";
import type { CommandGroup } from "./dispatch.js";

/** The engine's impairment, one flag per field (all optional: no flag, a perfect link). */
const impairmentFlags = {
  latency: { type: "string", value: "MS", defaultText: "0", help: "added delay per direction" },
  jitter: { type: "string", value: "MS", defaultText: "0", help: "spread of the delay" },
  distribution: {
    type: "string",
    value: "NAME",
    defaultText: "uniform",
    help: "shape of the jitter: uniform, normal, pareto or paretonormal",
  },
  correlation: { type: "string", value: "PCT", defaultText: "0", help: "delay correlation, 0-100" },
  loss: { type: "string", value: "PCT", defaultText: "0", help: "loss, 0-100 (TCP: a retransmission delay)" },
  "loss-correlation": { type: "string", value: "PCT", defaultText: "0", help: "loss correlation, 0-100" },
  duplicate: {
    type: "string",
    value: "PCT",
    defaultText: "0",
    help: "duplication, 0-100 (TCP: counted only)",
  },
  corrupt: {
    type: "string",
    value: "PCT",
    defaultText: "0",
    help: "one flipped bit, 0-100 (TCP: a retransmission delay)",
  },
  reorder: {
    type: "string",
    value: "PCT",
    defaultText: "0",
    help: "reordering, 0-100 (needs --latency; UDP only)",
  },
  gap: {
    type: "string",
    value: "N",
    defaultText: "1",
    help: "reorder every Nth packet at most, as netem's gap",
  },
  rate: {
    type: "string",
    value: "RATE",
    defaultText: "unlimited",
    help: "bits per second, or tc's units: 500kbit, 10mbit, 1gbit, 125kbps",
  },
  burst: { type: "string", value: "BYTES", defaultText: "max(rate/64, 15000)", help: "token bucket size" },
  limit: { type: "string", value: "PACKETS", defaultText: "1000", help: "queue limit of each direction" },
} as const satisfies FlagSpecs;

const seedFlag = {
  type: "string",
  value: "N",
  defaultText: "random, printed in the ready event",
  help: "seed of every random decision, to repeat a run",
} as const;

/** `msg sim proxy`: one impairing proxy from flags. */
export const simProxy = defineCommand({
  name: "sim proxy",
  summary: "one impairing TCP or UDP proxy, configured by flags",
  synopsis: "--listen ADDR --upstream ADDR [flags]",
  description: `Relays every connection (TCP, the default) or client address (--udp) on --listen to the
upstream through the emulator. Each direction in --direction (up is client -> upstream) gets the
whole impairment, so --latency 50 adds 100 ms to a round trip. TCP keeps stream semantics (loss and
corruption become retransmission delay, order is kept); UDP loses, duplicates, corrupts and reorders
datagrams for real. Prints {"event":"ready","address":...}; on SIGINT or SIGTERM prints
{"event":"done",...} with counters per direction and exits 0.`,
  flags: {
    listen: {
      type: "string",
      value: "ADDR",
      required: true,
      help: "host:port to listen on (port 0: a free one)",
    },
    upstream: { type: "string", value: "ADDR", required: true, help: "host:port to relay to" },
    udp: { type: "boolean", help: "relay UDP datagrams (e.g. QUIC) instead of TCP connections" },
    "idle-timeout": {
      type: "string",
      value: "MS",
      default: "60000",
      help: "UDP: forget a client address idle this long",
    },
    direction: {
      type: "string",
      value: "DIR",
      default: "both",
      help: "which directions are impaired: both, up or down",
    },
    ...impairmentFlags,
    seed: seedFlag,
    ...commonFlags,
  },
  async run(flags, out) {
    const direction = flags.direction;
    if (direction !== "both" && direction !== "up" && direction !== "down") {
      throw new UsageError(
        ErrorCode.InvalidArgument,
        `--direction takes both, up or down, got "${direction}"`,
      );
    }
    const impairment = asUsage(() => impairmentOf(flags));
    const path: PathConfig = {
      up: direction === "down" ? {} : { impairment },
      down: direction === "up" ? {} : { impairment },
    };
    const seed = seedOf(flags.seed);
    const options = {
      listen: flags.listen,
      upstream: flags.upstream,
      seed,
      policy: { configure: () => path },
    };
    const idleTimeoutMs = integer(flags["idle-timeout"], "idle-timeout");
    const proxy = asUsage(() =>
      flags.udp ? new UdpProxy({ ...options, idleTimeoutMs }) : new TcpProxy(options),
    );
    const protocol = flags.udp ? "udp" : "tcp";
    const address = await proxy.start();
    out.event(
      "ready",
      { address, upstream: flags.upstream, protocol, seed },
      `proxy ${address} -> ${flags.upstream} (${protocol})`,
    );
    const started = Date.now();
    await untilSignal();
    await proxy.stop();
    const { up, down, ...connections } = proxy.stats();
    out.event(
      "done",
      { protocol, ...connections, up, down, elapsedMs: Date.now() - started },
      `up: ${up.packets} packets, ${up.bytes} bytes, ${up.lost} lost; down: ${down.packets} packets, ${down.bytes} bytes, ${down.lost} lost`,
    );
    return 0;
  },
});

/** `msg sim serve`: toxiproxy's HTTP API. */
export const simServe = defineCommand({
  name: "sim serve",
  summary: "toxiproxy's HTTP API: proxies and toxics created by any toxiproxy client",
  synopsis: "[--api HOST:PORT] [--config FILE] [flags]",
  description: `Serves toxiproxy 2.x's HTTP API: toxiproxy's clients (any language) create proxies and
toxics on it, each proxy relaying through the emulator. Prints {"event":"ready","api":...}; on SIGINT
or SIGTERM stops every proxy, prints {"event":"done",...} and exits 0.`,
  flags: {
    api: {
      type: "string",
      value: "HOST:PORT",
      default: DEFAULT_API_ADDRESS,
      help: "where the HTTP API listens",
    },
    config: {
      type: "string",
      value: "FILE",
      defaultText: "no proxies",
      help: "a JSON array of proxies created at start, as toxiproxy's -config",
    },
    seed: seedFlag,
    ...commonFlags,
  },
  async run(flags, out) {
    const seed = seedOf(flags.seed);
    const config = flags.config === undefined ? undefined : asUsage(() => readConfig(flags.config as string));
    const registry = new ProxyRegistry({ seed });
    if (config) {
      try {
        await registry.populate(config);
      } catch (error) {
        // The config was checked already: what remains is a proxy that cannot listen.
        await registry.close();
        if (error instanceof PopulateError)
          throw new MsgError(ErrorCode.BindFailed, `--config: ${error.message}`);
        throw error;
      }
    }
    const api = await ToxiproxyApi.listen(flags.api, registry);
    out.event(
      "ready",
      { api: api.address, seed, proxies: registry.list().map((proxy) => proxy.toJSON()) },
      `toxiproxy API on http://${api.address}`,
    );
    await untilSignal();
    await api.close();
    const proxies = Object.fromEntries(registry.list().map((proxy) => [proxy.name, proxy.stats()]));
    await registry.close();
    out.event("done", { proxies }, "stopped");
    return 0;
  },
});

/** `msg sim proxy|serve`. */
export const sim: CommandGroup = {
  name: "sim",
  summary: "the network emulator as a standalone proxy (netem's impairments, toxiproxy's API)",
  description: `Impairs real traffic between processes in any language: one proxy from flags, or toxiproxy's
HTTP API. See the README of @msg/sim for the model and every endpoint.`,
  commands: [simProxy, simServe] as Command[],
};

/** The impairment the flags describe, checked by the engine (ranges, reorder needing latency). */
function impairmentOf(flags: { [K in keyof typeof impairmentFlags]?: string | undefined }): Impairment {
  const number = (name: keyof typeof impairmentFlags): number | undefined => {
    const text = flags[name];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw new MsgError(ErrorCode.InvalidArgument, `--${name} takes a number >= 0, got "${text}"`);
    }
    return value;
  };
  const fields: Record<string, unknown> = {
    latencyMs: number("latency"),
    jitterMs: number("jitter"),
    distribution: flags.distribution,
    delayCorrelation: number("correlation"),
    loss: number("loss"),
    lossCorrelation: number("loss-correlation"),
    duplicate: number("duplicate"),
    corrupt: number("corrupt"),
    reorder: number("reorder"),
    gap: number("gap"),
    rateBitsPerSec: flags.rate === undefined ? undefined : parseRate(flags.rate),
    burstBytes: number("burst"),
    queueLimitPackets: number("limit"),
  };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return validateImpairment(fields);
}

/** The seed flag, or a random one (printed in the ready event so a run can be repeated). */
function seedOf(text: string | undefined): number {
  return text === undefined ? Math.floor(Math.random() * 2 ** 31) : integer(text, "seed", 0);
}

function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `cannot read --config ${path}: ${(error as Error).message}`,
    );
  }
  try {
    const config = JSON.parse(text) as unknown;
    if (!Array.isArray(config)) throw new Error("expected a JSON array of proxies");
    for (const [index, proxy] of config.entries()) parseProxyInput(proxy, index + 1);
    return config;
  } catch (error) {
    throw new MsgError(ErrorCode.InvalidArgument, `--config ${path}: ${(error as Error).message}`);
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
