import type { Connection, ConnectionHandler, ConnectionStats } from "@msg/core";
import type { StreamLink } from "../engine/index.js";
import type { Direction } from "./direction.js";

/**
 * Bytes a reader may leave unread (paused, or no handler yet) before the writer's `write()` returns
 * false. With the link's own queue limit, this bounds the memory one connection direction holds
 * when the writer honours backpressure, as every msg socket does.
 */
export const INBOX_HIGH_WATER_MARK = 256 * 1024;

export interface MemoryEndpoint {
  localAddress: string;
  remoteAddress: string;
  /** The direction this end writes into. */
  direction: Direction;
  /** Runs once when this end is fully closed (releases its port). */
  onClosed?: () => void;
}

/**
 * One end of an in-memory connection. Its writes go through the emulator's StreamLink for this
 * direction and arrive in the other end's inbox; no kernel socket, no syscall. Semantics follow
 * core's StreamConnection: push-based reading with one handler, unshift, pause/resume, half-close,
 * destroy; onClose exactly once.
 *
 * It does not reuse core's InboundDelivery, whose rules it shares, for two reasons: every arrival is
 * delivered on the next event-loop turn (InboundDelivery hands data over at once, which over a link
 * with no kernel in between let a request loop starve every timer), and the reader's unread bytes
 * are the writer's backpressure (there is no kernel buffer to fill). Keep the two in step.
 */
export class MemoryConnection implements Connection {
  readonly transport = "sim";
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly #direction: Direction;
  readonly #onClosed: (() => void) | undefined;
  #other!: MemoryConnection;
  #link!: StreamLink;
  #handler: ConnectionHandler | undefined;
  #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #paused = false;
  /** The other end's FIN arrived. */
  #remoteEnded = false;
  #endDelivered = false;
  /** end() was called. */
  #finSent = false;
  /** Our FIN reached the other end. */
  #finArrived = false;
  #closed = false;
  #closeError: Error | undefined;
  #closeDelivered = false;
  #flushScheduled = false;
  #needDrain = false;
  #bytesRead = 0;
  #bytesWritten = 0;

  private constructor(endpoint: MemoryEndpoint) {
    this.localAddress = endpoint.localAddress;
    this.remoteAddress = endpoint.remoteAddress;
    this.#direction = endpoint.direction;
    this.#onClosed = endpoint.onClosed;
  }

  /** Creates both ends of a connection, each writing through its own direction's link. */
  static pair(client: MemoryEndpoint, server: MemoryEndpoint): [MemoryConnection, MemoryConnection] {
    const a = new MemoryConnection(client);
    const b = new MemoryConnection(server);
    a.#other = b;
    b.#other = a;
    a.#link = a.#openLink();
    b.#link = b.#openLink();
    return [a, b];
  }

  #openLink(): StreamLink {
    const other = this.#other;
    return this.#direction.openStream({
      deliver: (chunk) => other.#receive(chunk),
      end: () => {
        this.#finArrived = true;
        other.#remoteEnded = true;
        other.#scheduleFlush();
        this.#closeIfBothEnded();
        other.#closeIfBothEnded();
      },
      reset: (error) => {
        // The emulator reset the connection (a fault, or retransmissions gave up): both ends see it.
        this.#close(error);
        other.#close(error);
      },
      drain: () => this.#maybeDrain(),
      // Delivery only fills the other end's inbox and schedules its flush: safe to run inside write().
      passThrough: true,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed || this.#finSent) return false;
    this.#bytesWritten += chunk.byteLength;
    const accepted = this.#link.write(chunk);
    const room = accepted && this.#other.#inboxBytes < INBOX_HIGH_WATER_MARK;
    if (!room) this.#needDrain = true;
    return room;
  }

  setHandler(handler: ConnectionHandler | undefined): void {
    this.#handler = handler;
    if (handler) this.#scheduleFlush();
  }

  unshift(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#inbox.unshift(chunk);
    this.#inboxBytes += chunk.byteLength;
    this.#scheduleFlush();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#scheduleFlush();
  }

  end(): void {
    if (this.#closed || this.#finSent) return;
    this.#finSent = true;
    this.#link.end();
  }

  destroy(error?: Error): void {
    if (this.#closed) return;
    this.#close(error);
    // The other end hears of it one trip later, as a FIN or RST would reach it; what was in flight is gone.
    const other = this.#other;
    const scheduler = this.#direction.scheduler;
    scheduler.at(scheduler.now() + this.#direction.baseLatencyMs, () => {
      other.#remoteEnded = true;
      other.#close(undefined);
    });
  }

  stats(): ConnectionStats {
    const link = this.#link.stats;
    return { bytesRead: this.#bytesRead, bytesWritten: this.#bytesWritten, retransmits: link.retransmits };
  }

  #receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    this.#bytesRead += chunk.byteLength;
    this.#inbox.push(chunk);
    this.#inboxBytes += chunk.byteLength;
    this.#scheduleFlush();
  }

  #closeIfBothEnded(): void {
    if (this.#remoteEnded && this.#finArrived) this.#close(undefined);
  }

  #close(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#direction.release(this.#link);
    this.#onClosed?.();
    this.#scheduleFlush();
  }

  /** Tells the writer it may write again, once both the link and the reader's inbox have room. */
  #maybeDrain(): void {
    if (!this.#needDrain || this.#closed || !this.#link.writable) return;
    if (this.#other.#inboxBytes >= INBOX_HIGH_WATER_MARK) return;
    this.#needDrain = false;
    this.#handler?.onDrain?.();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Deliver on the event loop's next turn, as a kernel socket's data event comes: never re-enter the
    // caller of setHandler/unshift/resume/write, and never starve timers (on a microtask, a request
    // loop over a perfect link kept every timer, request timeouts included, from firing).
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const handler = this.#handler;
    if (!handler) return;
    if (this.#closed && this.#paused) {
      // A paused owner still learns that the connection is gone; what it did not read is discarded.
      this.#inbox = [];
      this.#inboxBytes = 0;
      this.#deliverClose(handler);
      return;
    }
    const hadBacklog = this.#inboxBytes >= INBOX_HIGH_WATER_MARK;
    while (!this.#paused && this.#inbox.length > 0 && this.#handler === handler) {
      const chunk = this.#inbox.shift()!;
      this.#inboxBytes -= chunk.byteLength;
      handler.onData(chunk);
    }
    if (hadBacklog && this.#inboxBytes < INBOX_HIGH_WATER_MARK) this.#other.#maybeDrain();
    if (this.#paused || this.#handler !== handler || this.#inbox.length > 0) return;
    if (this.#remoteEnded && !this.#endDelivered) {
      this.#endDelivered = true;
      handler.onEnd?.();
    }
    if (this.#closed) this.#deliverClose(handler);
  }

  #deliverClose(handler: ConnectionHandler): void {
    if (this.#closeDelivered) return;
    this.#closeDelivered = true;
    handler.onClose(this.#closeError);
  }
}
