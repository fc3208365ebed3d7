import { readFileSync } from "node:fs";
import { isIPv4 } from "node:net";
import { endianness } from "node:os";
import type { ConnectionStats } from "@msg/core";
import type { TcpEndpoints } from "./endpoints.js";

/**
 * What Linux reports about one TCP connection in /proc/net/tcp and /proc/net/tcp6 (Node has no
 * TCP_INFO). Read on demand only: a read costs time in proportion to the number of sockets on the
 * host. Smoothed RTT and RTT variance are not in these files and stay undefined.
 */
export interface TcpConnectionStats extends ConnectionStats {
  /** Bytes sent but not yet acknowledged by the peer, plus bytes not yet sent (`tx_queue`). */
  unackedBytes?: number;
  /** Bytes received by the kernel and not yet read by this process (`rx_queue`). */
  unreadBytes?: number;
  /** Slow-start threshold in segments; undefined while still in the initial slow start. */
  slowStartThreshold?: number;
}

/** `USER_HZ`: the unit of the timer columns. 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * The kernel's view of the connection with these endpoints, or `{}` off Linux or once the connection
 * is gone from the table.
 */
export function readKernelTcpStats(endpoints: TcpEndpoints): Partial<TcpConnectionStats> {
  const table = readTable(isIPv4(endpoints.localAddress) ? "/proc/net/tcp" : "/proc/net/tcp6");
  const key = ` ${procAddress(endpoints.localAddress, endpoints.localPort)} ${procAddress(endpoints.remoteAddress, endpoints.remotePort)} `;
  // Rows without the congestion columns are TIME_WAIT (or orphaned FIN_WAIT2) remnants of a
  // connection this process already closed, possibly an earlier one with the same endpoints: skip them.
  for (let at = table.indexOf(key); at !== -1; at = table.indexOf(key, at + key.length)) {
    const lineEnd = table.indexOf("\n", at);
    const fields = table
      .slice(at, lineEnd === -1 ? undefined : lineEnd)
      .trim()
      .split(/\s+/);
    if (fields.length >= FULL_ROW_FIELDS) return parseProcTcpFields(fields);
  }
  return {};
}

/**
 * Tables read during the current synchronous turn. Producing a table costs the kernel time in
 * proportion to all sockets on the host (milliseconds with thousands), so stats() calls made together,
 * e.g. for every peer of a server, share one read. Empty when the file is missing (not Linux).
 */
const tables = new Map<string, string>();

function readTable(path: string): string {
  let text = tables.get(path);
  if (text === undefined) {
    try {
      text = readFileSync(path, "latin1");
    } catch {
      text = "";
    }
    if (tables.size === 0) queueMicrotask(() => tables.clear());
    tables.set(path, text);
  }
  return text;
}

/** Columns of a full socket's row, from the local address to ssthresh. */
const FULL_ROW_FIELDS = 16;

/**
 * Reads one full row, split on whitespace, from the local address on. Columns (the kernel's
 * `get_tcp4_sock`): local, remote, state, tx_queue:rx_queue, timer:expiry, retransmits, uid, probes,
 * inode, refcount, pointer, rto, ato, quick/pingpong, snd_cwnd, ssthresh.
 */
export function parseProcTcpFields(fields: string[]): Partial<TcpConnectionStats> {
  const [unacked = "0", unread = "0"] = fields[3]?.split(":") ?? [];
  const stats: Partial<TcpConnectionStats> = {
    unackedBytes: Number.parseInt(unacked, 16),
    unreadBytes: Number.parseInt(unread, 16),
    retransmits: Number.parseInt(fields[5] ?? "0", 16),
    rtoUs: (Number(fields[11]) * 1_000_000) / TICKS_PER_SECOND,
    congestionWindow: Number(fields[14]),
  };
  const ssthresh = Number(fields[15]);
  if (ssthresh >= 0) stats.slowStartThreshold = ssthresh;
  return stats;
}

/** An address as /proc/net/tcp* writes it: each 32-bit word in host byte order, in hex, then the port. */
export function procAddress(address: string, port: number): string {
  const bytes = isIPv4(address) ? ipv4Bytes(address) : ipv6Bytes(address);
  const littleEndian = endianness() === "LE";
  let hex = "";
  for (let word = 0; word < bytes.length; word += 4) {
    const group = bytes.slice(word, word + 4);
    if (littleEndian) group.reverse();
    for (const byte of group) hex += byte.toString(16).padStart(2, "0");
  }
  return `${hex.toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
}

function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address in text form (with `::` and an optional dotted IPv4 tail). */
function ipv6Bytes(address: string): number[] {
  const text = address.replace(/%.*$/, "");
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const head = tail ? text.slice(0, tail.index) : text;
  const [left = "", right] = head.split("::");
  const words = (part: string) => (part === "" ? [] : part.split(":").filter((w) => w !== ""));
  const leftWords = words(left);
  const rightWords = right === undefined ? [] : words(right);
  const tailBytes = tail?.[1] ? ipv4Bytes(tail[1]) : [];
  const missing = 8 - leftWords.length - rightWords.length - tailBytes.length / 2;
  const all = [...leftWords, ...Array<string>(Math.max(0, missing)).fill("0"), ...rightWords];
  const bytes = all.flatMap((word) => {
    const value = Number.parseInt(word, 16);
    return [value >> 8, value & 0xff];
  });
  return [...bytes, ...tailBytes];
}
