import { type Connection, ErrorCode, type Logger, MsgError, toMsgError, unrefTimer } from "@msg/core";
import type { FrameDecoder } from "@msg/wire";
import type { SocketEvents } from "./events.js";

/** Bounds on what peers may make a socket hold for frames they have not finished sending. */
export interface InboundOptions {
  /**
   * Bytes the socket may hold for frames received in part, summed over all its connections. When a
   * chunk takes the sum past it, the connection holding the most is closed (`peerError`, counted as
   * `partial_frames_over_limit`) until the sum fits again; the others carry on. A decoder's memory
   * grows with what a peer really sent (at most 2 x received + 16 KiB), so this bounds the socket's
   * memory for incomplete frames. Default 256 MiB.
   */
  maxPartialFrameBytes?: number;
  /**
   * Longest a connection may hold an incomplete frame without completing any frame, in ms (a
   * slow-loris guard). A connection past it is closed (`peerError`, counted as
   * `incomplete_frame_timeout`). Default Infinity (no limit, as msg-rs and libzmq).
   */
  incompleteFrameTimeout?: number;
}

/** The default `maxPartialFrameBytes`: 256 MiB of incomplete frames per socket, over all its connections. */
export const DEFAULT_MAX_PARTIAL_FRAME_BYTES = 256 * 1024 * 1024;

/** The incomplete-frame timeout in ms, checked: a positive number or Infinity. */
function resolveIncompleteFrameTimeout(options: InboundOptions): number {
  const timeout = options.incompleteFrameTimeout ?? Number.POSITIVE_INFINITY;
  if (!(timeout > 0)) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `incompleteFrameTimeout must be a positive number of ms or Infinity, got ${timeout}`,
    );
  }
  return timeout;
}

/** What InboundFrames uses of a FrameDecoder, whatever frames it yields. */
export type InboundDecoder = Pick<
  FrameDecoder<never>,
  "push" | "end" | "bufferedBytes" | "allocatedBytes" | "framesDecoded"
>;

type Fire = <K extends keyof SocketEvents & string>(event: K, payload: SocketEvents[K]) => void;

/**
 * What a socket does about peers that send bad input: count by error code (the socket's
 * `connectionErrors`), log, fire `peerError`, and close that connection. One place for all sockets.
 */
export class PeerFaults {
  readonly #counts: Record<string, number> = {};
  readonly #fire: Fire;
  readonly #log: Logger;

  constructor(fire: Fire, log: Logger) {
    this.#fire = fire;
    this.#log = log;
  }

  /** The counts by error code, a copy. */
  get counts(): Record<string, number> {
    return { ...this.#counts };
  }

  count(code: string): void {
    this.#counts[code] = (this.#counts[code] ?? 0) + 1;
  }

  /** Counts and reports `error` from the peer at `address`, without closing anything. */
  report(address: string, error: MsgError): void {
    this.count(error.code);
    this.#log.warn("peer sent invalid data; closing its connection", { address, error: error.message });
    this.#fire("peerError", { address, error });
  }

  /** Counts and reports `error`, then closes the connection. */
  drop(connection: Connection, error: MsgError, address = connection.remoteAddress): void {
    this.report(address, error);
    connection.destroy(error);
  }
}

/**
 * The socket-wide account of memory held for incomplete frames (see `maxPartialFrameBytes`). Each
 * connection's {@link InboundFrames} reports what its decoder holds after every chunk.
 */
export class PartialFrameBudget {
  readonly #limit: number;
  readonly #holders = new Map<InboundFrames, number>();
  #total = 0;

  constructor(limit: number = DEFAULT_MAX_PARTIAL_FRAME_BYTES) {
    if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 0)) {
      throw new MsgError(
        ErrorCode.InvalidArgument,
        `maxPartialFrameBytes must be a non-negative integer or Infinity, got ${limit}`,
      );
    }
    this.#limit = limit;
  }

  /** Bytes held now for incomplete frames, over all connections. */
  get total(): number {
    return this.#total;
  }

  /** `holder` now holds `bytes`; closes the largest holders while the total is over the limit. */
  set(holder: InboundFrames, bytes: number): void {
    const before = this.#holders.get(holder) ?? 0;
    if (bytes === before) return;
    this.#total += bytes - before;
    if (bytes === 0) this.#holders.delete(holder);
    else this.#holders.set(holder, bytes);
    while (this.#total > this.#limit) this.#largest().fail(this.#overLimit());
  }

  #largest(): InboundFrames {
    let largest: InboundFrames | undefined;
    let most = -1;
    for (const [holder, bytes] of this.#holders) {
      if (bytes > most) {
        most = bytes;
        largest = holder;
      }
    }
    return largest!;
  }

  #overLimit(): MsgError {
    return new MsgError(
      ErrorCode.PartialFramesOverLimit,
      `incomplete frames held ${this.#total} bytes, above the ${this.#limit}-byte maxPartialFrameBytes; closing the connection holding the most`,
    );
  }
}

/**
 * The inbound side of one connection: feeds its bytes to the frame decoder, and turns everything that
 * can go wrong with them into one outcome (counted, reported, connection closed, see PeerFaults):
 * bad input, a stream that ends in the middle of a frame (`eof_mid_frame`, by FIN or by reset), the
 * socket's partial-frame budget, and the incomplete-frame timeout.
 */
export class InboundFrames {
  readonly #decoder: InboundDecoder;
  readonly #connection: Connection;
  readonly #address: string;
  readonly #faults: PeerFaults;
  readonly #budget: PartialFrameBudget;
  readonly #timeoutMs: number;
  #done = false;
  /** When the incomplete frame held now was begun (ms, performance clock); 0 when none is held. */
  #partialSince = 0;
  #framesSeen = 0;
  /** What this connection last reported to the budget. */
  #held = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(params: {
    decoder: InboundDecoder;
    connection: Connection;
    faults: PeerFaults;
    budget: PartialFrameBudget;
    /** `incompleteFrameTimeout`, in ms. */
    timeoutMs?: number;
    /** The peer's name in reports; default the connection's remote address. */
    address?: string;
  }) {
    this.#decoder = params.decoder;
    this.#connection = params.connection;
    this.#faults = params.faults;
    this.#budget = params.budget;
    this.#timeoutMs = params.timeoutMs ?? Number.POSITIVE_INFINITY;
    this.#address = params.address ?? params.connection.remoteAddress;
  }

  /** Bytes arrived. */
  push(chunk: Uint8Array): void {
    if (this.#done) return;
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.fail(toMsgError(error, ErrorCode.MalformedFrame));
      return;
    }
    if (this.#done) return; // a frame handler closed the connection
    this.#report(this.#decoder.allocatedBytes);
    this.#watchIncomplete();
  }

  /**
   * The peer half-closed: a frame it left unfinished is `eof_mid_frame`, unless `expected` (this
   * socket is closing: the peer answered our own close).
   */
  end(expected: boolean): void {
    if (this.#done) return;
    if (expected) {
      this.#release();
      return;
    }
    try {
      this.#decoder.end();
    } catch (error) {
      this.fail(toMsgError(error, ErrorCode.EofMidFrame));
    }
  }

  /**
   * The connection closed. A frame cut off by it (a reset, without FIN) is counted as `eof_mid_frame`
   * unless `expected` (this socket closed it).
   */
  closed(expected: boolean): void {
    if (this.#done) return;
    if (!expected && this.#decoder.bufferedBytes > 0) {
      try {
        this.#decoder.end();
      } catch (error) {
        this.#faults.report(this.#address, toMsgError(error, ErrorCode.EofMidFrame));
      }
    }
    this.#release();
  }

  /** Counts and reports `error`, and closes the connection; later input is ignored. */
  fail(error: MsgError): void {
    if (this.#done) return;
    this.#release();
    this.#faults.drop(this.#connection, error, this.#address);
  }

  /** Tells the budget what the decoder holds, when that changed (most chunks end on a frame boundary). */
  #report(bytes: number): void {
    if (bytes === this.#held) return;
    this.#held = bytes;
    this.#budget.set(this, bytes);
  }

  #release(): void {
    this.#done = true;
    this.#report(0);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Tracks how long the incomplete frame has been waiting, with at most one timer per connection. */
  #watchIncomplete(): void {
    if (this.#timeoutMs === Number.POSITIVE_INFINITY) return;
    const frames = this.#decoder.framesDecoded;
    if (this.#decoder.bufferedBytes === 0) {
      this.#partialSince = 0;
    } else if (this.#partialSince === 0 || frames !== this.#framesSeen) {
      this.#partialSince = performance.now(); // a new frame began in this chunk
    }
    this.#framesSeen = frames;
    if (this.#partialSince !== 0 && this.#timer === undefined) this.#arm(this.#timeoutMs);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#checkIncomplete(), delayMs);
    unrefTimer(this.#timer);
  }

  #checkIncomplete(): void {
    this.#timer = undefined;
    if (this.#done || this.#partialSince === 0) return;
    const waited = performance.now() - this.#partialSince;
    if (waited < this.#timeoutMs) {
      this.#arm(this.#timeoutMs - waited);
      return;
    }
    this.fail(
      new MsgError(
        ErrorCode.IncompleteFrameTimeout,
        `a frame stayed incomplete for ${Math.round(waited)} ms (incompleteFrameTimeout ${this.#timeoutMs} ms)`,
      ),
    );
  }
}

/**
 * What one socket needs for all its connections' inbound sides: the fault counter, the shared
 * partial-frame budget and the timeout, from the socket's options; `open` wires one connection.
 */
export class InboundGuard {
  readonly faults: PeerFaults;
  readonly #budget: PartialFrameBudget;
  readonly #timeoutMs: number;

  constructor(options: InboundOptions, fire: Fire, log: Logger) {
    this.faults = new PeerFaults(fire, log);
    this.#budget = new PartialFrameBudget(options.maxPartialFrameBytes);
    this.#timeoutMs = resolveIncompleteFrameTimeout(options);
  }

  /** The inbound side of `connection`, decoding with `decoder`; `address` names the peer in reports. */
  open(decoder: InboundDecoder, connection: Connection, address?: string): InboundFrames {
    return new InboundFrames({
      decoder,
      connection,
      faults: this.faults,
      budget: this.#budget,
      timeoutMs: this.#timeoutMs,
      ...(address === undefined ? {} : { address }),
    });
  }
}
