import { parseHostPort } from "@msg/core";
import { type PathConfig, type ProxyOptions, ProxyTotals } from "./path.js";

/**
 * What the TCP and UDP proxies share: their options (both addresses checked at construction), the
 * bound address, connection numbering, the policy lookup and the running link totals.
 */
export abstract class ProxyBase<Options extends ProxyOptions> {
  protected readonly options: Options;
  /** Link counters of closed connections (or mappings) folded in, live ones added when read. */
  protected readonly totals = new ProxyTotals();
  /** The bound `host:port`; kept after a stop so that start() listens where clients expect it. */
  protected boundAddress: string | undefined;
  #nextId = 0;

  constructor(options: Options) {
    parseHostPort(options.listen);
    parseHostPort(options.upstream);
    this.options = options;
  }

  /** The bound `host:port` once started (still the last one after a stop). */
  get address(): string | undefined {
    return this.boundAddress;
  }

  /** Whether the proxy is listening now. */
  abstract get listening(): boolean;

  /** A number for a new connection (or mapping), from 0; it keys the policy and the PRNG streams. */
  protected nextConnectionId(): number {
    return this.#nextId++;
  }

  /** The path the policy gives connection `id`; a perfect one without a policy. */
  protected policyFor(id: number): PathConfig {
    return this.options.policy?.configure(id) ?? { up: {}, down: {} };
  }
}
