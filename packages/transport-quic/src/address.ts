import { createSocket } from "node:dgram";
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

/**
 * The local address the system would send from to reach `ip:port`, found by connecting a throw-away
 * UDP socket (which sends nothing). Binding the client's QUIC socket to it gives connections a real
 * `localAddress`, as TCP has, and makes an unreachable network fail at once (`connect_failed`).
 */
export async function sourceAddressFor(ip: string, port: number): Promise<string> {
  const probe = createSocket(isIP(ip) === 6 ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.connect(port, ip, () => resolve());
    });
    return probe.address().address;
  } catch (error) {
    throw new MsgError(ErrorCode.ConnectFailed, `no route to ${formatAddress(ip, port)}`, { cause: error });
  } finally {
    probe.close();
  }
}

/**
 * Formats an address the way the other transports do: `host:port`, `[v6]:port`, and an IPv4-mapped IPv6
 * address (what a dual-stack socket reports for IPv4 peers) in its plain IPv4 form.
 */
export function formatAddress(host: string, port: number): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return formatHostPort(mapped?.[1] ?? host, port);
}
