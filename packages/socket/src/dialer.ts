import {
  Backoff,
  type ConnectAttemptStats,
  type Connection,
  type ConnectionHook,
  ErrorCode,
  type Logger,
  MsgError,
  type Transport,
  toMsgError,
} from "@msg/core";
import { runHook } from "./hooks/run-hook.js";

/** How a client connects and reconnects. */
export interface ReconnectOptions {
  /** First delay before reconnecting, in ms (the very first attempt is immediate). Default 100. */
  reconnectInitialDelay?: number;
  /** Largest delay between attempts, in ms. Default 5000. */
  maxBackoff?: number;
  /** Random spread of each delay, as a fraction (0.2 = ±20%). Default 0.2. */
  backoffJitter?: number;
  /** Failed attempts in a row before giving up; `Infinity` never gives up. Default Infinity. */
  retryAttempts?: number;
  /** A connection that stays up this long (ms) counts as healthy and resets the backoff. Default 1000. */
  healthyAfter?: number;
  /** Longest a connection hook may take, in ms. Default 10000. */
  hookTimeout?: number;
}

export interface DialerEvents {
  connected(connection: Connection): void;
  /** `error` is why: the failed attempt, or the broken connection (undefined after a clean close). */
  reconnectScheduled(delayMs: number, attempt: number, error: MsgError | undefined): void;
  hookFailed(error: MsgError): void;
  authRejected(error: MsgError): void;
  gaveUp(error: MsgError): void;
}

/**
 * Keeps one client connection to one address alive: connects (first attempt immediate), runs the
 * client hook, hands the ready connection to its owner, and after every failure or disconnect tries
 * again with capped, jittered exponential backoff. A rejected token stops the retries (sending the same
 * token again cannot succeed), and so does a transport whose library is not installed.
 *
 * The owner reports the end of a connection with `disconnected()`.
 */
export class Dialer {
  readonly address: string;
  readonly #transport: Transport;
  readonly #hook: ConnectionHook | undefined;
  readonly #hookTimeout: number;
  readonly #healthyAfter: number;
  readonly #backoff: Backoff;
  readonly #events: DialerEvents;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #connection: Connection | undefined;
  #connectedAt = 0;
  #lastError: MsgError | undefined;
  #failedAttempts = 0;
  #lastAttemptError: MsgError | undefined;

  constructor(params: {
    transport: Transport;
    address: string;
    hook: ConnectionHook | undefined;
    options: ReconnectOptions;
    events: DialerEvents;
    log: Logger;
  }) {
    const { options } = params;
    this.address = params.address;
    this.#transport = params.transport;
    this.#hook = params.hook;
    this.#hookTimeout = options.hookTimeout ?? 10_000;
    this.#healthyAfter = options.healthyAfter ?? 1000;
    this.#backoff = new Backoff({
      initialDelay: options.reconnectInitialDelay ?? 100,
      maxDelay: options.maxBackoff ?? 5000,
      jitter: options.backoffJitter ?? 0.2,
      maxAttempts: options.retryAttempts ?? Number.POSITIVE_INFINITY,
    });
    this.#events = params.events;
    this.#log = params.log;
  }

  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Failed attempts in a row since the last success, and the last attempt's error. */
  attemptStats(): ConnectAttemptStats {
    const error = this.#lastAttemptError;
    if (!error) return { failedConnectAttempts: this.#failedAttempts };
    const cause = (error.cause as { code?: unknown } | undefined)?.code;
    return {
      failedConnectAttempts: this.#failedAttempts,
      lastConnectError: { code: typeof cause === "string" ? cause : error.code, message: error.message },
    };
  }

  start(): void {
    void this.#attempt();
  }

  /** The owner's connection ended: schedule the next attempt. */
  disconnected(error?: Error): void {
    const healthy = this.#connection !== undefined && Date.now() - this.#connectedAt >= this.#healthyAfter;
    this.#connection = undefined;
    if (this.stopped) return;
    if (healthy) this.#backoff.reset();
    this.#lastError = error ? toMsgError(error, ErrorCode.ConnectFailed) : undefined;
    this.#scheduleRetry();
  }

  /** Stops for good: cancels a pending attempt and destroys the live connection. */
  stop(): void {
    if (this.stopped) return;
    this.#stop.abort(new MsgError(ErrorCode.SocketClosed, "socket closed"));
    clearTimeout(this.#timer);
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  async #attempt(): Promise<void> {
    if (this.stopped) return;
    let connection: Connection;
    try {
      connection = await this.#transport.connect(this.address, { signal: this.#stop.signal });
    } catch (error) {
      if (this.stopped) return;
      const failure = toMsgError(error, ErrorCode.ConnectFailed, `connect to ${this.address}`);
      this.#attemptFailed(failure);
      this.#log.debug("connect failed", { address: this.address, error: failure.message });
      if (failure.code === ErrorCode.TransportUnavailable) return this.#giveUp(failure); // cannot improve
      return this.#scheduleRetry();
    }
    if (this.stopped) return connection.destroy();
    if (this.#hook) {
      try {
        connection = await runHook(this.#hook, connection, "client", this.#hookTimeout, this.#stop.signal);
      } catch (error) {
        if (this.stopped) return;
        const failure = toMsgError(error, ErrorCode.HookFailed);
        this.#attemptFailed(failure);
        if (failure.code === ErrorCode.AuthRejected) {
          this.#log.warn("authentication rejected", { address: this.address });
          this.#events.authRejected(failure);
          return this.#giveUp(failure);
        }
        this.#events.hookFailed(failure);
        return this.#scheduleRetry();
      }
      if (this.stopped) return connection.destroy();
    }
    this.#connection = connection;
    this.#connectedAt = Date.now();
    this.#failedAttempts = 0;
    this.#events.connected(connection);
  }

  #giveUp(error: MsgError): void {
    this.#stop.abort(error);
    this.#events.gaveUp(error);
  }

  #attemptFailed(error: MsgError): void {
    this.#lastError = error;
    this.#lastAttemptError = error;
    this.#failedAttempts++;
  }

  #scheduleRetry(): void {
    const delay = this.#backoff.next();
    if (delay === undefined) {
      const error = new MsgError(
        ErrorCode.ConnectFailed,
        `gave up on ${this.address} after ${this.#backoff.attempts} retries${this.#lastError ? `: ${this.#lastError.message}` : ""}`,
        { cause: this.#lastError },
      );
      this.#giveUp(error);
      return;
    }
    this.#events.reconnectScheduled(delay, this.#backoff.attempts, this.#lastError);
    this.#timer = setTimeout(() => void this.#attempt(), delay);
  }
}
