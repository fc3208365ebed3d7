import {
  emptyLinkStats,
  type Impairment,
  type LinkStats,
  type Scheduler,
  type StreamFaults,
  sumLinkStats,
} from "../engine/index.js";

/** What one direction of a proxied connection goes through. Both fields absent = a perfect link. */
export interface DirectionConfig {
  impairment?: Impairment;
  /** Stream faults (toxiproxy's slicer, timeout, ...); TCP only, a UDP proxy ignores them. */
  faults?: StreamFaults;
}

/** Both directions of a proxied connection. `up` is client → upstream, `down` upstream → client. */
export interface PathConfig {
  up: DirectionConfig;
  down: DirectionConfig;
}

/**
 * Decides the impairment of each connection (TCP) or client mapping (UDP) of a proxy. The proxy asks
 * when the connection opens and again for every live connection on `reconfigure()`.
 */
export interface PathPolicy {
  configure(connection: number): PathConfig;
  /** The connection has closed; whatever was kept for it can go. */
  forget?(connection: number): void;
}

/** A policy that gives every connection the same path. */
export function fixedPolicy(path: PathConfig): PathPolicy {
  return { configure: () => path };
}

/** What both proxies (TCP and UDP) are given. */
export interface ProxyOptions {
  /** Where to listen, `host:port`; port 0 picks a free port (read `address` once started). */
  listen: string;
  /** Where connections or datagrams are forwarded, `host:port`. */
  upstream: string;
  /** The impairment of each connection's (or UDP client mapping's) two directions. Default: none. */
  policy?: PathPolicy;
  /** Names the proxy in its PRNG streams, so two proxies with one seed draw differently. Default "". */
  label?: string;
  /** Seed of the PRNG streams, one per connection and direction. Default 0. */
  seed?: number;
  /** Time source for the links (and UDP idle expiry). Default: the real clock. */
  scheduler?: Scheduler;
}

/** One direction's counters summed over every connection a proxy has carried. */
export interface DirectionTotals {
  /** Segments (TCP) or datagrams (UDP) that entered the link. */
  packets: number;
  bytes: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
  queueDrops: number;
  /** Mean delay the link added per packet, weighted by each connection's packets. */
  meanDelayMs: number;
}

/** The fields of summed link stats a proxy reports. */
function directionTotals(stats: LinkStats): DirectionTotals {
  const { packets, bytes, lost, duplicated, corrupted, reordered, queueDrops, meanDelayMs } = stats;
  return { packets, bytes, lost, duplicated, corrupted, reordered, queueDrops, meanDelayMs };
}

/**
 * A proxy's two directions summed over every connection it carried: a closed connection's stats are
 * folded in once (nothing is kept per closed connection), live ones are added when read.
 */
export class ProxyTotals {
  #up = emptyLinkStats();
  #down = emptyLinkStats();

  /** Folds in the links of a connection that closed. */
  retire(up: Iterable<LinkStats>, down: Iterable<LinkStats>): void {
    this.#up = sumLinkStats([this.#up, ...up]);
    this.#down = sumLinkStats([this.#down, ...down]);
  }

  /** Totals so far, with the stats of the links still open. */
  read(
    liveUp: Iterable<LinkStats>,
    liveDown: Iterable<LinkStats>,
  ): { up: DirectionTotals; down: DirectionTotals } {
    return {
      up: directionTotals(sumLinkStats([this.#up, ...liveUp])),
      down: directionTotals(sumLinkStats([this.#down, ...liveDown])),
    };
  }
}
