import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ErrorCode, formatHostPort, MsgError } from "@msg/core";

/**
 * Resolves `host` to IP addresses: an IP literal as it is, a name through the system resolver (like
 * `net.connect`, honouring /etc/hosts), in the resolver's order. Rejects with `invalid_address`.
 */
export async function resolveHost(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length > 0) return found.map((entry) => entry.address);
  } catch (error) {
    throw new MsgError(ErrorCode.InvalidAddress, `cannot resolve host "${host}"`, { cause: error });
  }
  throw new MsgError(ErrorCode.InvalidAddress, `host "${host}" resolves to no address`);
}

/** The wildcard address of the same family as `ip`, to bind a client's UDP socket. */
export function wildcardFor(ip: string): string {
  return isIP(ip) === 6 ? "::" : "0.0.0.0";
}

/**
 * Formats an address the way the other transports do: `host:port`, `[v6]:port`, and an IPv4-mapped IPv6
 * address (what a dual-stack socket reports for IPv4 peers) in its plain IPv4 form.
 */
export function formatAddress(host: string, port: number): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return formatHostPort(mapped?.[1] ?? host, port);
}
