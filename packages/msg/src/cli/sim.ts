import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
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
import { Output } from "./output.js";

export const simUsage = `msg sim proxy --listen ADDR --upstream ADDR [--udp] [--idle-timeout MS]
        [--latency MS] [--jitter MS] [--distribution uniform|normal|pareto|paretonormal]
        [--correlation PCT] [--loss PCT] [--loss-correlation PCT] [--duplicate PCT] [--corrupt PCT]
        [--reorder PCT] [--gap N] [--rate RATE] [--burst BYTES] [--limit PACKETS]
        [--direction both|up|down] [--seed N] [--json]
  One impairing proxy: every connection (TCP, the default) or client address (--udp) to ADDR is
  relayed to the upstream through the emulator. Each direction in --direction (default both; up is
  client -> upstream) gets the whole impairment, so --latency 50 adds 100 ms to a round trip.
  Defaults: no impairment, --distribution uniform, --gap 1, --limit 1000, --burst max(rate/64, 15000)
  bytes, --seed random (printed), --idle-timeout 60000 (UDP mappings). RATE is bits per second or
  tc's units: 500kbit, 10mbit, 1gbit, 125kbps. Prints {"event":"ready","address":...}; on SIGINT or
  SIGTERM prints {"event":"done",...} with counters per direction and exits 0.

msg sim serve [--api HOST:PORT] [--config FILE] [--seed N] [--json]
  Toxiproxy 2.x's HTTP API (default --api ${DEFAULT_API_ADDRESS}): toxiproxy's clients create proxies
  and toxics on it. --config FILE: a JSON array of proxies created at start, as toxiproxy's -config.
  Prints {"event":"ready","api":...}; on SIGINT or SIGTERM stops every proxy and exits 0.`;

/** `msg sim proxy|serve`. Bad flags exit 2 (`msg: invalid_argument: ...`); failures at run time exit 1. */
export async function sim(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let run: () => Promise<number>;
  try {
    if (sub === "proxy") run = prepareProxy(rest);
    else if (sub === "serve") run = prepareServe(rest);
    else
      throw new MsgError(
        ErrorCode.InvalidArgument,
        `msg sim takes "proxy" or "serve", got ${JSON.stringify(sub)}`,
      );
  } catch (error) {
    new Output(rest.includes("--json")).error(error);
    return 2;
  }
  return run();
}

/** Parses flags strictly; an unknown flag, a missing value or a stray word is a usage error. */
function flagsOf<const T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true as const, allowPositionals: false as const }).values;
  } catch (error) {
    throw new MsgError(ErrorCode.InvalidArgument, (error as Error).message);
  }
}

function requiredFlag(value: string | undefined, name: string): string {
  if (!value) throw new MsgError(ErrorCode.InvalidArgument, `--${name} is required`);
  return value;
}

const impairmentFlags = {
  latency: { type: "string" },
  jitter: { type: "string" },
  distribution: { type: "string" },
  correlation: { type: "string" },
  loss: { type: "string" },
  "loss-correlation": { type: "string" },
  duplicate: { type: "string" },
  corrupt: { type: "string" },
  reorder: { type: "string" },
  gap: { type: "string" },
  rate: { type: "string" },
  burst: { type: "string" },
  limit: { type: "string" },
} as const;

function prepareProxy(argv: string[]): () => Promise<number> {
  const flags = flagsOf(argv, {
    ...impairmentFlags,
    listen: { type: "string" },
    upstream: { type: "string" },
    udp: { type: "boolean", default: false },
    "idle-timeout": { type: "string" },
    direction: { type: "string", default: "both" },
    seed: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const listen = requiredFlag(flags.listen, "listen");
  const upstream = requiredFlag(flags.upstream, "upstream");
  const impairment = impairmentOf(flags);
  const direction = flags.direction;
  if (direction !== "both" && direction !== "up" && direction !== "down") {
    throw new MsgError(ErrorCode.InvalidArgument, `--direction takes both, up or down, got "${direction}"`);
  }
  const path: PathConfig = {
    up: direction === "down" ? {} : { impairment },
    down: direction === "up" ? {} : { impairment },
  };
  const seed = seedOf(flags.seed);
  const options = { listen, upstream, seed, policy: { configure: () => path } };
  const proxy = flags.udp
    ? new UdpProxy({ ...options, idleTimeoutMs: integer(flags["idle-timeout"], "idle-timeout", 60_000) })
    : new TcpProxy(options);
  const protocol = flags.udp ? "udp" : "tcp";
  return async () => {
    const out = new Output(flags.json);
    const address = await proxy.start();
    out.event(
      "ready",
      { address, upstream, protocol, seed },
      `proxy ${address} -> ${upstream} (${protocol})`,
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
  };
}

function prepareServe(argv: string[]): () => Promise<number> {
  const flags = flagsOf(argv, {
    api: { type: "string", default: DEFAULT_API_ADDRESS },
    config: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const seed = seedOf(flags.seed);
  const config = flags.config === undefined ? undefined : readConfig(flags.config);
  return async () => {
    const out = new Output(flags.json);
    const registry = new ProxyRegistry({ seed });
    if (config) {
      try {
        await registry.populate(config);
      } catch (error) {
        // The config was checked already: what remains is a proxy that cannot listen.
        if (error instanceof PopulateError) {
          await registry.close();
          throw new MsgError(ErrorCode.BindFailed, `--config: ${error.message}`);
        }
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
  };
}

/** The impairment the flags describe, checked by the engine (ranges, reorder needing latency). */
function impairmentOf(flags: { [K in keyof typeof impairmentFlags]?: string }): Impairment {
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
