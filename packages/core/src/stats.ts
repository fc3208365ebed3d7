import type { ConnectionStats } from "./connection.js";

/**
 * The statistics each socket kind reports. Counters are cumulative since the socket was created;
 * `transport` is the snapshot of the current connection's transport counters, where there is one.
 */
export interface ReqSocketStats {
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
  /** Subscriber connections refused or dropped, by error code. */
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
}

/** What a Sub socket counts for one publisher. */
export interface PublisherStats {
  /** Bytes received from this publisher, frame headers included. */
  bytesRx: number;
  /** Messages received from this publisher. */
  messagesReceived: number;
  /** Mean of (receive time - header timestamp) in microseconds; meaningful with synchronised clocks. */
  averageLatencyUs: number;
  /** Messages missing according to the per-connection sequence numbers. */
  seqGaps: number;
}
