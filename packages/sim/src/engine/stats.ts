/** Counters for one link direction. For a stream, a "packet" is a segment (or an unsplit chunk on a perfect link). */
export interface LinkStats {
  /** Packets or segments delivered (a duplicate counts once more). */
  packets: number;
  /** Bytes delivered. */
  bytes: number;
  /** Loss events. On a stream, each one is a retransmission (the data still arrives, later). */
  lost: number;
  /** Packets sent twice. On a stream, counted only (TCP discards the duplicate). */
  duplicated: number;
  /** Packets with a bit flipped. On a stream, each one is a retransmission, as a bad checksum makes it. */
  corrupted: number;
  /** Packets sent at once, overtaking delayed ones (`reorder`). On a stream, counted only. */
  reordered: number;
  /** Retransmissions a stream made for lost or corrupted segments. Always 0 for datagrams. */
  retransmits: number;
  /** Datagrams dropped because the queue (packets or rate backlog) was full. */
  queueDrops: number;
  /** Bytes dropped by a black hole (the `timeout` fault, or a partition on a datagram link). */
  blackholedBytes: number;
  /** Times a stream's write() returned false (the queue was full: backpressure). */
  backpressure: number;
  /** Bytes accepted and not yet delivered. */
  queueBytes: number;
  /** The most `queueBytes` has been. */
  peakQueueBytes: number;
  /** Mean time from write/send to delivery, in ms, over what was delivered (queueing and rate included). */
  meanDelayMs: number;
}

/** The counters of a link that carried nothing. */
export function emptyLinkStats(): LinkStats {
  return {
    packets: 0,
    bytes: 0,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    reordered: 0,
    retransmits: 0,
    queueDrops: 0,
    blackholedBytes: 0,
    backpressure: 0,
    queueBytes: 0,
    peakQueueBytes: 0,
    meanDelayMs: 0,
  };
}

const summedKeys = [
  "packets",
  "bytes",
  "lost",
  "duplicated",
  "corrupted",
  "reordered",
  "retransmits",
  "queueDrops",
  "blackholedBytes",
  "backpressure",
  "queueBytes",
] as const;

/**
 * Sums the stats of several links (or earlier sums) into one: counters added, `peakQueueBytes` the
 * largest, `meanDelayMs` weighted by packets. Keeping one running sum this way lets a holder of many
 * short-lived links fold a closed link in once and keep nothing per closed link.
 */
export function sumLinkStats(all: Iterable<LinkStats>): LinkStats {
  const total = emptyLinkStats();
  let delaySum = 0;
  for (const stats of all) {
    for (const key of summedKeys) total[key] += stats[key];
    total.peakQueueBytes = Math.max(total.peakQueueBytes, stats.peakQueueBytes);
    delaySum += stats.meanDelayMs * stats.packets;
  }
  total.meanDelayMs = total.packets > 0 ? delaySum / total.packets : 0;
  return total;
}

/** Mutable counters behind a LinkStats snapshot. */
export class LinkCounters {
  packets = 0;
  bytes = 0;
  lost = 0;
  duplicated = 0;
  corrupted = 0;
  reordered = 0;
  retransmits = 0;
  queueDrops = 0;
  blackholedBytes = 0;
  backpressure = 0;
  queueBytes = 0;
  peakQueueBytes = 0;
  #delaySum = 0;

  enqueued(bytes: number): void {
    this.queueBytes += bytes;
    if (this.queueBytes > this.peakQueueBytes) this.peakQueueBytes = this.queueBytes;
  }

  /** A unit left the queue; `delivered` false when it was dropped on the way. */
  dequeued(bytes: number): void {
    this.queueBytes -= bytes;
  }

  delivered(bytes: number, delayMs: number): void {
    this.packets++;
    this.bytes += bytes;
    this.#delaySum += delayMs;
  }

  snapshot(): LinkStats {
    return {
      packets: this.packets,
      bytes: this.bytes,
      lost: this.lost,
      duplicated: this.duplicated,
      corrupted: this.corrupted,
      reordered: this.reordered,
      retransmits: this.retransmits,
      queueDrops: this.queueDrops,
      blackholedBytes: this.blackholedBytes,
      backpressure: this.backpressure,
      queueBytes: this.queueBytes,
      peakQueueBytes: this.peakQueueBytes,
      meanDelayMs: this.packets === 0 ? 0 : this.#delaySum / this.packets,
    };
  }
}

/** One decision of a link about one packet or segment, for traces that tests compare. */
export interface LinkDecision {
  /** Position of the packet or segment on this link, from 0. */
  seq: number;
  bytes: number;
  /** Scheduler time of the write or send. */
  sentAtMs: number;
  /** The propagation delay drawn for it (before rate, queueing, retransmission and ordering). */
  delayMs: number;
  /** When it is delivered; undefined when it is not. */
  deliverAtMs: number | undefined;
  outcome: "delivered" | "lost" | "queue_drop" | "blackholed";
  /** Stream mode: retransmissions before it got through. */
  retransmits: number;
  corrupted: boolean;
  duplicated: boolean;
  reordered: boolean;
}

/** The flags a decision may carry besides its outcome. */
export type DecisionDetails = Partial<
  Pick<LinkDecision, "retransmits" | "corrupted" | "duplicated" | "reordered">
>;

/** Numbers a link's decisions and hands them to its trace listener, if it has one. */
export class DecisionTrace {
  readonly #listener: ((decision: LinkDecision) => void) | undefined;
  readonly #now: () => number;
  #seq = 0;

  constructor(listener: ((decision: LinkDecision) => void) | undefined, now: () => number) {
    this.#listener = listener;
    this.#now = now;
  }

  record(
    bytes: number,
    delayMs: number,
    deliverAtMs: number | undefined,
    outcome: LinkDecision["outcome"],
    details: DecisionDetails = {},
  ): void {
    const seq = this.#seq++;
    this.#listener?.({
      seq,
      bytes,
      sentAtMs: this.#now(),
      delayMs,
      deliverAtMs,
      outcome,
      retransmits: details.retransmits ?? 0,
      corrupted: details.corrupted ?? false,
      duplicated: details.duplicated ?? false,
      reordered: details.reordered ?? false,
    });
  }
}
