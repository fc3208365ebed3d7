import {
  DatagramLink,
  emptyLinkStats,
  type Impairment,
  type LinkDecision,
  type LinkStats,
  Prng,
  resolveImpairment,
  type Scheduler,
  type StreamFaults,
  StreamLink,
  type StreamLinkOptions,
  sumLinkStats,
  validateImpairment,
  validateStreamFaults,
} from "../engine/index.js";

/** Which link, and which connection on it, a traced decision belongs to. */
export interface TraceSource {
  from: string;
  to: string;
  /** `stream` decisions carry the connection's number on this link (from 0, in connect order). */
  kind: "stream" | "datagram";
  connection: number;
}

export type TraceListener = (source: TraceSource, decision: LinkDecision) => void;

export interface DirectionContext {
  seed: number;
  scheduler: Scheduler;
  mss: number;
  mode: "stream" | "raw";
  trace: TraceListener | undefined;
}

/**
 * One direction between two peers: its impairment, stream faults and partition state, the stream
 * links of every connection that runs over it (each with its own PRNG derived from the network seed,
 * the two ends and the connection's number) and its datagram link. Changes apply to all of them.
 */
export class Direction {
  readonly from: string;
  readonly to: string;
  readonly #context: DirectionContext;
  #impairment: Impairment = {};
  #faults: StreamFaults = {};
  #partitioned = false;
  #connections = 0;
  readonly #streams = new Set<StreamLink>();
  /** Totals of the stream links already closed (one running sum, so the memory stays constant). */
  #retired: LinkStats = emptyLinkStats();
  #datagram: DatagramLink | undefined;

  constructor(from: string, to: string, context: DirectionContext) {
    this.from = from;
    this.to = to;
    this.#context = context;
  }

  get scheduler(): Scheduler {
    return this.#context.scheduler;
  }

  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** The configured one-way latency (no jitter), for connection set-up. */
  get baseLatencyMs(): number {
    return resolveImpairment(this.#impairment).latencyMs;
  }

  setImpairment(impairment: Impairment | undefined): void {
    const valid = validateImpairment(impairment ?? {});
    this.#impairment = valid;
    for (const link of this.#streams) link.setImpairment(valid);
    this.#datagram?.setImpairment(valid);
  }

  setFaults(faults: StreamFaults | undefined): void {
    const valid = validateStreamFaults(faults ?? {});
    this.#faults = valid;
    for (const link of this.#streams) link.setFaults(valid);
  }

  setPartitioned(partitioned: boolean): void {
    this.#partitioned = partitioned;
    for (const link of this.#streams) link.setPartitioned(partitioned);
    this.#datagram?.setPartitioned(partitioned);
  }

  /** A stream link for one new connection over this direction; `release` it when the connection closes. */
  openStream(
    callbacks: Pick<StreamLinkOptions, "deliver" | "end" | "reset" | "drain" | "passThrough">,
  ): StreamLink {
    const context = this.#context;
    const connection = this.#connections++;
    const trace = context.trace;
    const source: TraceSource = { from: this.from, to: this.to, kind: "stream", connection };
    const link = new StreamLink({
      ...callbacks,
      impairment: this.#impairment,
      faults: this.#faults,
      prng: Prng.derive(context.seed, this.from, this.to, "stream", String(connection)),
      scheduler: context.scheduler,
      mss: context.mss,
      mode: context.mode,
      trace: trace ? (decision) => trace(source, decision) : undefined,
    });
    if (this.#partitioned) link.setPartitioned(true);
    this.#streams.add(link);
    return link;
  }

  /** Stops counting `link` as live; its counters stay in the direction's totals. */
  release(link: StreamLink): void {
    if (!this.#streams.delete(link)) return;
    link.destroy();
    this.#retired = sumLinkStats([this.#retired, { ...link.stats, queueBytes: 0 }]);
  }

  /** Sends a datagram over this direction; `sink` receives it at the other end. */
  sendDatagram(packet: Uint8Array, sink: (packet: Uint8Array) => void): void {
    // One datagram link per direction; each packet carries its destination as the link's tag.
    if (!this.#datagram) {
      const context = this.#context;
      const trace = context.trace;
      const source: TraceSource = { from: this.from, to: this.to, kind: "datagram", connection: 0 };
      this.#datagram = new DatagramLink({
        impairment: this.#impairment,
        prng: Prng.derive(context.seed, this.from, this.to, "datagram"),
        scheduler: context.scheduler,
        deliver: (delivered, sink) => (sink as (packet: Uint8Array) => void)(delivered),
        trace: trace ? (decision) => trace(source, decision) : undefined,
      });
      if (this.#partitioned) this.#datagram.setPartitioned(true);
    }
    this.#datagram.send(packet, sink);
  }

  /** Totals over every connection this direction carried, and its datagrams. */
  stats(): LinkStats {
    const live = [...this.#streams].map((link) => link.stats);
    if (this.#datagram) live.push(this.#datagram.stats);
    return sumLinkStats([this.#retired, ...live]);
  }

  close(): void {
    for (const link of this.#streams) this.release(link);
    this.#datagram?.close();
  }
}
