import { createHash } from "node:crypto";
import type { Connection } from "../connection.js";
import { withTimeout } from "./wait.js";

/** How long a Reader's waits last unless a test says otherwise, in ms. */
const DEFAULT_WAIT_MS = 10_000;

/**
 * Becomes a connection's handler and records what it delivers (bytes, end, close, drains), so a test
 * can await each of these, every wait bounded. A wait for data fails at once, with what arrived so
 * far, if the connection closes first.
 */
export class Reader {
  /** The chunks received (empty with `keep: false`, for transfers too large to hold). */
  readonly chunks: Uint8Array[] = [];
  /** Bytes received. */
  length = 0;
  /** `onEnd` came: the peer half-closed. */
  ended = false;
  /** How many times `onClose` came (a connection must report it exactly once). */
  closes = 0;
  closeError: Error | undefined;
  /** How many times `onDrain` came. */
  drains = 0;
  readonly #keep: boolean;
  readonly #hash = createHash("sha256");
  readonly #waiters = new Set<() => void>();

  constructor(connection: Connection, { keep = true }: { keep?: boolean } = {}) {
    this.#keep = keep;
    connection.setHandler({
      onData: (chunk) => {
        this.length += chunk.byteLength;
        this.#hash.update(chunk);
        if (this.#keep) this.chunks.push(Buffer.from(chunk)); // a copy: the chunk may be a reused view
        this.#wake();
      },
      onDrain: () => {
        this.drains++;
        this.#wake();
      },
      onEnd: () => {
        this.ended = true;
        this.#wake();
      },
      onClose: (error) => {
        this.closes++;
        this.closeError = error;
        this.#wake();
      },
    });
  }

  get closed(): boolean {
    return this.closes > 0;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString("utf8");
  }

  /** SHA-256 of every byte received (kept or not), in hex. */
  digest(): string {
    return this.#hash.copy().digest("hex");
  }

  /** Resolves once `condition` holds; rejects after `ms`, or at once if `failed` holds first. */
  until(condition: () => boolean, what: string, ms = DEFAULT_WAIT_MS, failed?: () => boolean): Promise<void> {
    const wait = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (condition()) {
          this.#waiters.delete(check);
          resolve();
        } else if (failed?.()) {
          this.#waiters.delete(check);
          reject(new Error(`connection closed while waiting for ${what} (${this.length} bytes so far)`));
        }
      };
      this.#waiters.add(check);
      check();
    });
    return withTimeout(wait, ms, `${what} (${this.length} bytes so far)`);
  }

  untilLength(length: number, ms?: number, what = `${length} bytes`): Promise<void> {
    return this.until(
      () => this.length >= length,
      what,
      ms,
      () => this.closed,
    );
  }

  /** Resolves once the text received contains `text`. */
  untilText(text: string, ms?: number): Promise<void> {
    return this.until(
      () => this.text().includes(text),
      `"${text}"`,
      ms,
      () => this.closed,
    );
  }

  untilLengthOrEnd(length: number, ms?: number, what = `${length} bytes or the end`): Promise<void> {
    return this.until(() => this.length >= length || this.ended || this.closed, what, ms);
  }

  untilEnd(ms?: number, what = "the end of the stream"): Promise<void> {
    return this.until(() => this.ended, what, ms);
  }

  untilEndOrClose(ms?: number, what = "the end or the close"): Promise<void> {
    return this.until(() => this.ended || this.closed, what, ms);
  }

  untilClosed(ms?: number, what = "close"): Promise<void> {
    return this.until(() => this.closed, what, ms);
  }

  /** The next `onDrain` from now; rejects early if the connection closes first. */
  nextDrain(ms?: number, what = "onDrain"): Promise<void> {
    const seen = this.drains;
    return this.until(
      () => this.drains > seen,
      what,
      ms,
      () => this.closed,
    );
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
