import type { ConnectionStats } from "./connection.js";

/**
 * The statistics each socket kind reports. Counters are cumulative since the socket was created;
 * `transport` is the snapshot of the current connection's transport counters, where there is one.
 */
/**
 * How a client's attempts to connect to one address are going, so that "not connected" can say why.
 * A failed attempt is a failed connect, a failed handshake, or a failed connection hook.
 */
export interface ConnectAttemptStats {
  /** Attempts that failed in a row since the last successful connection; 0 while connected. */
  failedConnectAttempts: number;
  /**
   * The last failed attempt: `code` is the system error code when there is one (`ECONNREFUSED`,
   * `ENOENT`, `ENOTFOUND`, ...), else the MsgError code; kept after a later success. Absent until an
   * attempt fails.
   */
  lastConnectError?: { code: string; message: string };
}

export interface ReqSocketStats extends ConnectAttemptStats {
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
  connectionErrors: Record<string, number>;
}

export interface SubSocketStats {
  messagesReceivedTotal: number;
  /** Messages dropped because the ingress queue was full. */
  droppedMessagesTotal: number;
  bytesRx: number;
  publishers: Record<string, PublisherStats>;
}

export interface PublisherStats extends ConnectAttemptStats {
  bytesRx: number;
  messagesReceived: number;
  /** Mean of (receive time - header timestamp) in microseconds; meaningful with synchronised clocks. */
  averageLatencyUs: number;
  /** Messages missing according to the per-connection sequence numbers. */
  seqGaps: number;
}
