import { createSocket } from "node:dgram";
import { isIP } from "node:net";
import { ErrorCode, formatHostPort, MsgError } from "@msg/core";

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
    throw new MsgError(ErrorCode.ConnectFailed, `no route to ${formatHostPort(ip, port)}`, { cause: error });
  } finally {
    probe.close();
  }
}
