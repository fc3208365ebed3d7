import { badOptionCases, optionRefusal } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { PubSocket, RepSocket, ReqSocket, SubSocket } from "../src/index.js";

type Options = Record<string, unknown>;
interface Closable {
  close(): Promise<void>;
}

/** Bad values that every option of a kind must refuse. */
const notANumber = ["10", Number.NaN, null, true];
const badTimer = [...notANumber, -1, 1.5, 2 ** 31];
const badCount = [...notANumber, 0, -1, 2.5];
const badHook = [{}, { run: "no" }, "hook"];

const reconnect: Record<string, unknown[]> = {
  reconnectInitialDelay: badTimer,
  maxBackoff: badTimer,
  backoffJitter: [...notANumber, -0.1, 1.5, Number.POSITIVE_INFINITY],
  retryAttempts: [...notANumber, -1, 0.5],
  healthyAfter: [...notANumber, -1],
  hookTimeout: [...badTimer, 0],
  hook: badHook,
  authToken: [42, {}],
};
const server: Record<string, unknown[]> = {
  maxClients: badCount,
  hookTimeout: [...badTimer, 0],
  hook: badHook,
  authTokens: ["one-string", 42, [42]],
  writeBufferSize: [...notANumber, 0, 1023, 2 ** 30 + 1],
  writeBufferLinger: [...notANumber, -1, 1_000_001],
  writeProfile: ["fast", 1],
};
const compression: Record<string, unknown[]> = {
  compressor: ["lz4", {}, { compress: 1 }],
  minCompressSize: [...notANumber, -1],
  maxFrameSize: [...badCount, 2 ** 32],
  maxDecompressedSize: badCount,
};

const sockets: Array<{
  name: string;
  create: (options: Options) => Closable;
  options: Record<string, unknown[]>;
}> = [
  {
    name: "ReqSocket",
    create: (options) => new ReqSocket(new TcpTransport(), options),
    options: {
      timeout: [...notANumber, 0, -5, 2 ** 31],
      maxPendingRequests: badCount,
      maxQueueSize: [...notANumber, -1],
      resendOnReconnect: ["yes", 1],
      writeBufferSize: server.writeBufferSize!,
      writeBufferLinger: server.writeBufferLinger!,
      writeProfile: server.writeProfile!,
      ...reconnect,
      ...compression,
    },
  },
  {
    name: "SubSocket",
    create: (options) => new SubSocket(new TcpTransport(), options),
    options: { ingressQueueSize: badCount, ...reconnect, ...compression },
  },
  {
    name: "RepSocket",
    create: (options) => new RepSocket(new TcpTransport(), options),
    options: {
      maxPendingResponses: badCount,
      maxQueuedRequests: badCount,
      ...server,
      ...compression,
    },
  },
  {
    name: "PubSocket",
    create: (options) => new PubSocket(new TcpTransport(), options),
    options: {
      maxQueueMessages: badCount,
      maxQueueBytes: badCount,
      whenFull: ["wait", 0],
      maxSubscriptions: badCount,
      maxWaitingPublishes: [...notANumber, -1],
      ...server,
      ...compression,
    },
  },
];

describe.each(sockets)("$name options", ({ create, options }) => {
  const cases = badOptionCases(options);

  it.each(cases)("refuses $option = $value with invalid_argument naming it", ({ option, value }) => {
    expect(optionRefusal((options) => create(options).close(), option, value).message).toContain(
      `\`${option}\``,
    );
  });

  it("accepts the edges of every range, and undefined (the default)", async () => {
    const edges: Options = {
      timeout: Number.POSITIVE_INFINITY,
      retryAttempts: 0,
      reconnectInitialDelay: 0,
      backoffJitter: 1,
      maxClients: Number.POSITIVE_INFINITY,
      writeBufferSize: 1024,
      writeBufferLinger: 0,
      minCompressSize: 0,
      maxFrameSize: 2 ** 32 - 1,
      maxQueueSize: 0,
      maxWaitingPublishes: 0,
      authTokens: new Set(["a", Buffer.from("b")]),
      hook: { name: "noop", run: async (connection: unknown) => connection },
    };
    const relevant = Object.fromEntries(Object.entries(edges).filter(([name]) => name in options));
    await create(relevant).close();
    await create(Object.fromEntries(Object.keys(options).map((name) => [name, undefined]))).close();
  });
});
