import type { ConnectionStats } from "./connection.js";

/**
 * The statistics each socket kind reports. Counters are cumulative since the socket was created;
 * `transport` is the snapshot of the current connection's transport counters, where there is one.
 */
export interface ReqSocketStats {
  bytesTx: number;
  bytesRx: number;
  requestsSent: number;
  responsesReceived: number;
  /** Running average round-trip time over all responses, in microseconds (msg-rs: `rtt`). */
  averageRttUs: number;
  /** Exponentially weighted recent round-trip time (alpha 1/8, like TCP's SRTT), in microseconds. */
  recentRttUs: number;
  /** Requests failed, by error code. */
  failures: Record<string, number>;
  /** Connections closed because the server sent bad input (malformed, truncated, ...), by error code. */
  connectionErrors: Record<string, number>;
  transport?: ConnectionStats;
}

export interface RepSocketStats {
  bytesTx: number;
  bytesRx: number;
  activeClients: number;
  requestsReceived: number;
  responsesSent: number;
  /** Requests that could not be answered: decompression failures, dropped without response, ... */
  failedRequests: number;
  /** Connections refused or dropped, by error code (malformed frames, maxClients, hooks). */
  connectionErrors: Record<string, number>;
}

export interface PubSocketStats {
  bytesTx: number;
  activeClients: number;
  messagesPublished: number;
  /** Messages dropped because a subscriber's queue was full, summed over subscribers. */
  droppedMessagesTotal: number;
  /**
   * Connections refused or dropped, by error code (malformed frames, maxClients, hooks), and
   * subscription frames refused (`unsupported_compression`).
   */
  connectionErrors: Record<string, number>;
}

export interface SubSocketStats {
  messagesReceivedTotal: number;
  /** Messages dropped because the ingress queue was full. */
  droppedMessagesTotal: number;
  bytesRx: number;
  publishers: Record<string, PublisherStats>;
  /** Connections closed because a publisher sent bad input (malformed, truncated, ...), by error code. */
  connectionErrors: Record<string, number>;
}

export interface PublisherStats {
  bytesRx: number;
  messagesReceived: number;
  /** Mean of (receive time - header timestamp) in microseconds; meaningful with synchronised clocks. */
  averageLatencyUs: number;
  /**
   * Jumps in the per-connection sequence numbers: each is one run of messages lost (dropped by the
   * publisher for this subscriber, or lost on the way).
   */
  seqGaps: number;
  /** Messages lost according to the sequence numbers: the jumps' lengths summed. */
  missing: number;
}
