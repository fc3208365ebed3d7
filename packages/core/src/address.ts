import { ErrorCode, MsgError } from "./errors.js";

/** A parsed `host:port` address. */
export interface HostPort {
  /** Host name or IP address, without brackets. */
  host: string;
  /** Port number, 0-65535. */
  port: number;
}

/**
 * Parses `host:port`, `[ipv6]:port` or `ipv6-without-port-ambiguity` forms used by the network
 * transports. Port 0 is allowed (bind to an ephemeral port). Throws a MsgError `invalid_address`.
 */
export function parseHostPort(address: string): HostPort {
  const fail = (why: string) =>
    new MsgError(ErrorCode.InvalidAddress, `invalid address "${address}": ${why} (expected host:port)`);
  let host: string;
  let portText: string;
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    if (close === -1 || address[close + 1] !== ":") throw fail("IPv6 addresses are written [addr]:port");
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(":");
    if (colon === -1) throw fail("no port");
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(":")) throw fail("IPv6 addresses are written [addr]:port");
  }
  if (!/^\d{1,5}$/.test(portText)) throw fail("port is not a number");
  const port = Number(portText);
  if (port > 65535) throw fail("port above 65535");
  if (host === "") throw fail("no host");
  return { host, port };
}

/**
 * Formats a host and port as `host:port`, bracketing IPv6 addresses. An IPv4-mapped IPv6 address (what
 * a dual-stack socket reports for an IPv4 peer, `::ffff:127.0.0.1`) is written in its IPv4 form, so
 * both ends of a connection name it the same way.
 */
export function formatHostPort(host: string, port: number): string {
  const ipv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  if (ipv4) return `${ipv4}:${port}`;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
