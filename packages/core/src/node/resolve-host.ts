import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ErrorCode, MsgError } from "../errors.js";

/**
 * Resolves `host` to IP addresses: an IP literal as it is, a name through the system resolver (as
 * `net.connect` does, honouring /etc/hosts), every address in the resolver's own order (`verbatim`,
 * so IPv6 and IPv4 are tried as the system prefers). Rejects with a MsgError `invalid_address`.
 */
export async function resolveHost(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  let found: { address: string }[];
  try {
    found = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new MsgError(ErrorCode.InvalidAddress, `cannot resolve host "${host}": ${why}`, { cause: error });
  }
  if (found.length === 0)
    throw new MsgError(ErrorCode.InvalidAddress, `host "${host}" resolves to no address`);
  return found.map((entry) => entry.address);
}
