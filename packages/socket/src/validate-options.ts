import {
  checkBoolean,
  checkBytes,
  checkInteger,
  checkMethods,
  checkNumber,
  checkOneOf,
  MAX_TIMER_MS,
  optionError,
} from "@msg/core";
import type { AcceptOptions } from "./acceptor.js";
import type { CompressionOptions } from "./compression.js";
import type { ReconnectOptions } from "./dialer.js";
import { WRITE_PROFILES, type WriteBufferOptions } from "./options.js";
import type { PubOptions } from "./pubsub/pub-socket.js";
import type { SubOptions } from "./pubsub/sub-socket.js";
import type { RepOptions } from "./rep/rep-socket.js";
import type { ReqOptions } from "./req/req-socket.js";
import type { ServerOptions } from "./server-core.js";

/**
 * Each socket's constructor checks its options here, one group at a time, and throws MsgError
 * `invalid_argument` naming the first bad option and the range it accepts (see @msg/core's checks).
 * The ranges are those stated where each option is defined.
 */

/** The largest length a frame header can declare (a 32-bit field). */
const MAX_FRAME_LENGTH = 2 ** 32 - 1;

export function validateReqOptions(options: ReqOptions): void {
  checkInteger("timeout", options.timeout, 1, MAX_TIMER_MS, { infinity: true });
  checkInteger("maxPendingRequests", options.maxPendingRequests, 1);
  checkInteger("maxQueueSize", options.maxQueueSize, 0);
  checkBoolean("resendOnReconnect", options.resendOnReconnect);
  checkClient(options);
  checkWriteBuffer(options);
  checkCompression(options);
}

export function validateSubOptions(options: SubOptions): void {
  checkInteger("ingressQueueSize", options.ingressQueueSize, 1);
  checkOneOf("whenFull", options.whenFull, ["drop", "block"]);
  checkClient(options);
  checkCompression(options);
}

export function validateRepOptions(options: RepOptions): void {
  checkInteger("maxPendingResponses", options.maxPendingResponses, 1);
  checkInteger("maxQueuedRequests", options.maxQueuedRequests, 1);
  checkServer(options);
  checkCompression(options);
}

export function validatePubOptions(options: PubOptions): void {
  checkInteger("maxQueueMessages", options.maxQueueMessages, 1);
  checkInteger("maxQueueBytes", options.maxQueueBytes, 1);
  checkOneOf("whenFull", options.whenFull, ["drop", "block"]);
  checkInteger("maxSubscriptions", options.maxSubscriptions, 1);
  checkInteger("maxWaitingPublishes", options.maxWaitingPublishes, 0);
  checkServer(options);
  checkCompression(options);
}

/** Req and Sub: reconnection, and the client hook or token. */
function checkClient(options: ReconnectOptions & Pick<ReqOptions, "hook" | "authToken">): void {
  checkInteger("reconnectInitialDelay", options.reconnectInitialDelay, 0, MAX_TIMER_MS);
  checkInteger("maxBackoff", options.maxBackoff, 0, MAX_TIMER_MS);
  checkNumber("backoffJitter", options.backoffJitter, 0, 1);
  checkInteger("retryAttempts", options.retryAttempts, 0, Number.MAX_SAFE_INTEGER, { infinity: true });
  checkInteger("healthyAfter", options.healthyAfter, 0);
  checkInteger("hookTimeout", options.hookTimeout, 1, MAX_TIMER_MS);
  checkHook(options.hook);
  checkBytes("authToken", options.authToken);
}

/** Rep and Pub: admission, the server hook or tokens, write batching. */
function checkServer(options: ServerOptions & AcceptOptions): void {
  checkInteger("maxClients", options.maxClients, 1, Number.MAX_SAFE_INTEGER, { infinity: true });
  checkInteger("hookTimeout", options.hookTimeout, 1, MAX_TIMER_MS);
  checkHook(options.hook);
  const tokens = options.authTokens;
  if (tokens !== undefined) {
    const iterable = typeof tokens === "object" && tokens !== null && Symbol.iterator in tokens;
    if (!iterable || typeof tokens === "string") {
      throw optionError("authTokens", "an iterable of strings or Uint8Arrays", tokens);
    }
    for (const token of tokens) checkBytes("authTokens", token);
  }
  checkWriteBuffer(options);
}

function checkHook(hook: unknown): void {
  checkMethods("hook", hook, ["run"], "a ConnectionHook (an object with a run method)");
}

function checkWriteBuffer(options: WriteBufferOptions): void {
  checkInteger("writeBufferSize", options.writeBufferSize, 1024, 2 ** 30);
  checkInteger("writeBufferLinger", options.writeBufferLinger, 0, 1_000_000);
  checkOneOf("writeProfile", options.writeProfile, Object.keys(WRITE_PROFILES));
}

function checkCompression(options: CompressionOptions): void {
  checkMethods(
    "compressor",
    options.compressor,
    ["compress"],
    "a Compressor (createCompressor from @msg/wire)",
  );
  checkInteger("minCompressSize", options.minCompressSize, 0);
  checkInteger("maxFrameSize", options.maxFrameSize, 1, MAX_FRAME_LENGTH);
  checkInteger("maxDecompressedSize", options.maxDecompressedSize, 1);
}
