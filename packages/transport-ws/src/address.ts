import { ErrorCode, formatHostPort, MsgError, optionError, parseHostPort } from "@msg/core";

/** `ws` for plain WebSocket, `wss` for WebSocket over TLS. */
export type WsScheme = "ws" | "wss";

/** A WebSocket address, split into the parts the transport uses. */
export interface WsAddress {
  /** `ws` or `wss`. */
  scheme: WsScheme;
  /** Host name or IP address, without brackets. */
  host: string;
  /** TCP port; 80 or 443 when the URL names none. */
  port: number;
  /** The URL's path, always starting with `/`. */
  path: string;
  /** The URL's query (`?a=b`) or "". Only a connect address may have one; it is sent with the upgrade request. */
  query: string;
}

/**
 * Parses an address given to `bind` or `connect`: a URL `ws://host:port/path` (`wss://` for the TLS
 * transport; `[v6]` hosts; without a port, 80 or 443) or `host:port`, which takes `defaultPath`.
 * Throws a MsgError `invalid_address`.
 */
export function parseWsAddress(
  address: string,
  scheme: WsScheme,
  defaultPath: string,
  use: "bind" | "connect",
): WsAddress {
  if (!address.includes("://")) {
    const { host, port } = parseHostPort(address);
    return { scheme, host, port, path: defaultPath, query: "" };
  }
  const fail = (why: string) =>
    new MsgError(
      ErrorCode.InvalidAddress,
      `invalid address "${address}": ${why} (expected ${scheme}://host:port/path or host:port)`,
    );
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw fail("not a URL");
  }
  if (url.protocol !== `${scheme}:`) throw fail(`the ${scheme} transport takes ${scheme}:// addresses`);
  if (url.username || url.password) throw fail("credentials in the URL are not supported");
  if (url.hash) throw fail("a URL fragment has no meaning here");
  if (use === "bind" && url.search) throw fail("a bind address has no query");
  if (url.hostname === "") throw fail("no host");
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? defaultPort(scheme) : Number(url.port);
  return { scheme, host, port, path: url.pathname, query: url.search };
}

/** Writes `ws://host:port/path`, bracketing IPv6 hosts and writing IPv4-mapped ones as IPv4. */
export function formatWsUrl(scheme: WsScheme, host: string, port: number, path: string): string {
  return `${scheme}://${formatHostPort(host, port)}${path}`;
}

/**
 * Checks a `path` option: an absolute URL path, already in the form a URL parser gives back (so the
 * path a listener serves is compared byte for byte with what clients request). Throws `invalid_argument`.
 */
export function checkPath(path: unknown): string {
  let parsed: string | undefined;
  try {
    const url = new URL(String(path), "ws://host");
    if (url.search === "" && url.hash === "") parsed = url.pathname;
  } catch {
    // reported below
  }
  if (typeof path !== "string" || !path.startsWith("/") || parsed !== path) {
    const hint = parsed && parsed !== path ? `; did you mean "${parsed}"?` : "";
    throw optionError(
      "path",
      `an absolute URL path without query, fragment or characters needing escapes${hint}`,
      path,
    );
  }
  return path;
}

function defaultPort(scheme: WsScheme): number {
  return scheme === "ws" ? 80 : 443;
}
