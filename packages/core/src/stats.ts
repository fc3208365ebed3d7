import type { ConnectionStats } from "./connection.js";

/**
 * How a client's attempts to connect to one address are going, so that "not connected" can say why.
 * A failed attempt is a failed connect, a failed handshake, or a failed connection hook.
 */
export interface ConnectAttemptStats {
  /** Attempts that failed in a row since the last successful connection; 0 while connected. */
  failedConnectAttempts: number;
  /** The last failed attempt, kept after a later success; absent until an attempt fails. */
  lastConnectError?: ConnectErrorInfo;
}

/** One failed connection attempt, as `stats()` reports it. */
export interface ConnectErrorInfo {
  /** The system error code when there is one (`ECONNREFUSED`, `ENOENT`, `ENOTFOUND`, ...), else the MsgError code. */
  code: string;
  /** The error's message (it names the address). */
  message: string;
}

/**
 * The statistics each socket kind reports. Counters are cumulative since the socket was created;
 * `transport` is the snapshot of the current connection's transport counters, where there is one.
 */
export interface ReqSocketStats extends ConnectAttemptStats {
  /** Bytes sent, frame headers included. */
  bytesTx: number;
  /** Bytes received, frame headers included. */
  bytesRx: number;
  /** Requests written to a connection (a re-sent request counts again). */
  requestsSent: number;
  /** Responses matched to a request. */
  responsesReceived: number;
  /** Running average round-trip time over all responses, in microseconds (msg-rs: `rtt`). */
  averageRttUs: number;
  /** Exponentially weighted recent round-trip time (alpha 1/8, like TCP's SRTT), in microseconds. */
  recentRttUs: number;
  /** Requests failed, by error code. */
  failures: Record<string, number>;
  /** Connections closed because the server sent bad input (malformed, truncated, ...), by error code. */
  connectionErrors: Record<string, number>;
  /** The current connection's transport figures; absent while disconnected. */
  transport?: ConnectionStats;
}

/** What a Rep socket reports from `stats()`. */
export interface RepSocketStats {
  /** Bytes sent, frame headers included. */
  bytesTx: number;
  /** Bytes received, frame headers included. */
  bytesRx: number;
  /** Clients connected now. */
  activeClients: number;
  /** Requests received, PING included. */
  requestsReceived: number;
  /** Responses written, PONG included. */
  responsesSent: number;
  /** Requests that could not be answered: decompression failures, dropped without response, ... */
  failedRequests: number;
  /** Connections refused or dropped, by error code (malformed frames, maxClients, hooks). */
  connectionErrors: Record<string, number>;
}

/** What a Pub socket reports from `stats()`. */
export interface PubSocketStats {
  /** Bytes sent to all subscribers, frame headers included. */
  bytesTx: number;
  /** Subscribers connected now. */
  activeClients: number;
  /** Calls to `publish` with a valid topic, whether or not any subscriber matched. */
  messagesPublished: number;
  /** Messages dropped because a subscriber's queue was full, summed over subscribers. */
  droppedMessagesTotal: number;
  /**
   * Connections refused or dropped, by error code (malformed frames, maxClients, hooks), and
   * subscription frames refused (`unsupported_compression`).
   */
  connectionErrors: Record<string, number>;
}

/** What a Sub socket reports from `stats()`. */
export interface SubSocketStats {
  /** Messages received from all publishers, including those then dropped. */
  messagesReceivedTotal: number;
  /** Messages dropped because the ingress queue was full. */
  droppedMessagesTotal: number;
  /** Bytes received from all publishers, frame headers included. */
  bytesRx: number;
  /** Per publisher, by the address given to `connect`. */
  publishers: Record<string, PublisherStats>;
  /** Connections closed because a publisher sent bad input (malformed, truncated, ...), by error code. */
  connectionErrors: Record<string, number>;
}

/** What a Sub socket counts for one publisher. */
export interface PublisherStats extends ConnectAttemptStats {
  /** Bytes received from this publisher, frame headers included. */
  bytesRx: number;
  /** Messages received from this publisher. */
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
