import { ErrorCode, isMsgError, type Transport } from "@msg/core";
import { freePort, freeUdpPort, generateTestPki, TempPaths } from "@msg/core/testing";
import { IpcTransport } from "@msg/transport-ipc";
import { QuicTransport } from "@msg/transport-quic";
import { TcpTransport, TlsTransport } from "@msg/transport-tcp";
import { WsTransport } from "@msg/transport-ws";

/**
 * The transports every socket test runs over. A test body is written once and parametrised with
 * `describe.each(transports)`; where a transport cannot do something, the test says so by name.
 */
export interface TransportFixture {
  name: string;
  server(): Transport;
  client(): Transport;
  /** Where to bind: an ephemeral port or a fresh path. */
  bindAddress(): string;
  /** An address nothing listens on yet, that a server can bind later (for late-bind tests). */
  reservedAddress(): Promise<string>;
  /**
   * Over QUIC the accepting side sees a connection only once the connecting side has written to it
   * (docs/protocol.md, "Token handshake" and "QUIC"), so a hook where the server speaks first must let the client open.
   */
  clientSpeaksFirst?: boolean;
  /**
   * QUIC serves a listener and its connections from one UDP socket, which the library frees only
   * after its closing period, a little after the connections report closed: rebinding the same
   * port right after a close must retry for a moment.
   */
  portFreedLate?: boolean;
}

/** Binds `socket` to `address`, retrying for a while where the transport frees ports late. */
export async function bindAgain(
  fixture: TransportFixture,
  socket: { bind(address: string): Promise<string> },
  address: string,
): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await socket.bind(address);
    } catch (error) {
      const retry = fixture.portFreedLate && isMsgError(error, ErrorCode.BindFailed) && Date.now() < deadline;
      if (!retry) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Fresh socket paths for the IPC fixture, in one temp directory for this test process. */
const ipcPaths = new TempPaths();

export const tcp: TransportFixture = {
  name: "tcp",
  server: () => new TcpTransport(),
  client: () => new TcpTransport(),
  bindAddress: () => "127.0.0.1:0",
  reservedAddress: async () => `127.0.0.1:${await freePort()}`,
};

export const quic: TransportFixture = {
  name: "quic",
  server: () => new QuicTransport(),
  // UDP has no "connection refused": an attempt at a dead address ends at the handshake timeout.
  client: () => new QuicTransport({ handshakeTimeout: 1000 }),
  bindAddress: () => "127.0.0.1:0",
  reservedAddress: async () => `127.0.0.1:${await freeUdpPort()}`,
  clientSpeaksFirst: true,
  portFreedLate: true,
};

/** One throwaway PKI for every TLS test in this process (generated with openssl, never committed). */
export const pki = generateTestPki();

export const tls: TransportFixture = {
  name: "tls",
  server: () => new TlsTransport({ cert: pki.server.cert, key: pki.server.key }),
  client: () => new TlsTransport({ ca: pki.ca, servername: "localhost" }),
  bindAddress: () => "127.0.0.1:0",
  reservedAddress: tcp.reservedAddress,
};

export const ipc: TransportFixture = {
  name: "ipc",
  server: () => new IpcTransport(),
  client: () => new IpcTransport(),
  bindAddress: () => ipcPaths.next(),
  reservedAddress: async () => ipcPaths.next(),
};

export const ws: TransportFixture = {
  name: "ws",
  server: () => new WsTransport(),
  client: () => new WsTransport(),
  bindAddress: () => "ws://127.0.0.1:0/msg",
  reservedAddress: async () => `ws://127.0.0.1:${await freePort()}/msg`,
};

export const transports: TransportFixture[] = [tcp, tls, ipc, quic, ws];
