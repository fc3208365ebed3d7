import { parseHostPort } from "@msg/core";
import { Prng, type Scheduler } from "../engine/index.js";
import { ApiError, apiErrors } from "./api-error.js";
import type { PathConfig, PathPolicy } from "./path.js";
import { TcpProxy } from "./tcp-proxy.js";
import { pathOf, type Toxic } from "./toxics.js";
import { UdpProxy } from "./udp-proxy.js";

export type ProxyProtocol = "tcp" | "udp";

/** A proxy as the API shows it. `protocol` is our addition and only appears for UDP proxies. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  protocol?: "udp";
  toxics: Toxic[];
}

export interface NamedProxyOptions {
  name: string;
  listen: string;
  upstream: string;
  protocol: ProxyProtocol;
  /** Seeds both the toxicity decisions and the links. */
  seed: number;
  scheduler?: Scheduler;
}

/**
 * One proxy of the API: its address pair, whether it is enabled, and its toxics. Each connection (a
 * UDP client mapping counts as one) draws once per toxic, with the proxy's seeded PRNG, whether it
 * gets that toxic (`toxicity`); toxics added or updated later are drawn for the open connections at
 * that moment, as toxiproxy applies them to live links.
 */
export class NamedProxy {
  readonly name: string;
  readonly protocol: ProxyProtocol;
  #listen: string;
  #upstream: string;
  #runner: TcpProxy | UdpProxy;
  readonly #options: NamedProxyOptions;
  /** In the order toxiproxy lists them: upstream toxics first, each stream in the order added. */
  #toxics: Toxic[] = [];
  /** For each open connection, the names of the toxics it got. */
  readonly #applied = new Map<number, Set<string>>();
  readonly #prng: Prng;

  constructor(options: NamedProxyOptions) {
    this.name = options.name;
    this.protocol = options.protocol;
    this.#listen = options.listen;
    this.#upstream = options.upstream;
    this.#options = options;
    this.#prng = Prng.derive(options.seed, "toxicity", options.name);
    this.#runner = this.#createRunner();
  }

  get enabled(): boolean {
    return this.#runner.listening;
  }

  get listen(): string {
    return this.#listen;
  }

  get upstream(): string {
    return this.#upstream;
  }

  get toxics(): readonly Toxic[] {
    return this.#toxics;
  }

  stats() {
    return this.#runner.stats();
  }

  /** Starts listening; `listen` then reports the bound address. Throws a 500 ApiError when it cannot. */
  async start(): Promise<void> {
    try {
      this.#listen = await this.#runner.start();
    } catch (error) {
      throw new ApiError(`proxy ${this.name}: ${(error as Error).message}`, 500);
    }
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    await this.#runner.stop();
  }

  /** True when `listen` or `upstream` differ from this proxy's (toxiproxy restarts it then). */
  differs(listen: string, upstream: string): boolean {
    return listen !== this.#listen || upstream !== this.#upstream;
  }

  /** Applies `{listen, upstream, enabled}`: a changed address restarts the proxy; toxics are kept. */
  async update(input: { listen: string; upstream: string; enabled: boolean }): Promise<void> {
    if (this.differs(input.listen, input.upstream)) {
      // Check the new addresses before stopping, so a bad update leaves the proxy as it was.
      parseHostPort(input.listen);
      parseHostPort(input.upstream);
      await this.stop();
      this.#listen = input.listen;
      this.#upstream = input.upstream;
      this.#runner = this.#createRunner();
    }
    if (input.enabled && !this.enabled) await this.start();
    if (!input.enabled && this.enabled) await this.stop();
  }

  toxic(name: string): Toxic {
    const toxic = this.#toxics.find((t) => t.name === name);
    if (!toxic) throw apiErrors.toxicNotFound;
    return toxic;
  }

  addToxic(toxic: Toxic): void {
    if (this.#toxics.some((t) => t.name === toxic.name)) throw apiErrors.toxicAlreadyExists;
    const upstreamCount = this.#toxics.filter((t) => t.stream === "upstream").length;
    const at = toxic.stream === "upstream" ? upstreamCount : this.#toxics.length;
    this.#toxics.splice(at, 0, toxic);
    this.#drawForOpenConnections(toxic);
  }

  replaceToxic(toxic: Toxic): void {
    const index = this.#toxics.findIndex((t) => t.name === toxic.name);
    if (index === -1) throw apiErrors.toxicNotFound;
    this.#toxics[index] = toxic;
    this.#drawForOpenConnections(toxic);
  }

  removeToxic(name: string): void {
    this.toxic(name);
    this.#toxics = this.#toxics.filter((t) => t.name !== name);
    for (const applied of this.#applied.values()) applied.delete(name);
    this.#runner.reconfigure();
  }

  removeAllToxics(): void {
    this.#toxics = [];
    for (const applied of this.#applied.values()) applied.clear();
    this.#runner.reconfigure();
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.#listen,
      upstream: this.#upstream,
      enabled: this.enabled,
      ...(this.protocol === "udp" ? { protocol: "udp" as const } : {}),
      toxics: this.#toxics,
    };
  }

  #drawForOpenConnections(toxic: Toxic): void {
    for (const applied of this.#applied.values()) {
      if (this.#draw(toxic)) applied.add(toxic.name);
      else applied.delete(toxic.name);
    }
    this.#runner.reconfigure();
  }

  #draw(toxic: Toxic): boolean {
    return toxic.toxicity >= 1 || this.#prng.next() < toxic.toxicity;
  }

  #createRunner(): TcpProxy | UdpProxy {
    const policy: PathPolicy = {
      configure: (connection) => this.#pathOf(connection),
      forget: (connection) => this.#applied.delete(connection),
    };
    const options = {
      listen: this.#listen,
      upstream: this.#upstream,
      policy,
      seed: this.#options.seed,
      label: this.name,
      ...(this.#options.scheduler ? { scheduler: this.#options.scheduler } : {}),
    };
    return this.protocol === "udp" ? new UdpProxy(options) : new TcpProxy(options);
  }

  /** A new connection draws for every toxic; a known one keeps what it drew. */
  #pathOf(connection: number): PathConfig {
    let applied = this.#applied.get(connection);
    if (!applied) {
      applied = new Set(this.#toxics.filter((toxic) => this.#draw(toxic)).map((toxic) => toxic.name));
      this.#applied.set(connection, applied);
    }
    return pathOf(this.#toxics.filter((toxic) => applied.has(toxic.name)));
  }
}
