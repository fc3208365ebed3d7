import { isMsgError } from "@msg/core";
import type { Scheduler } from "../engine/index.js";
import { ApiError, apiErrors } from "./api-error.js";
import { NamedProxy, type ProxyProtocol } from "./named-proxy.js";

/** A proxy as POST /proxies, POST /populate and `--config` describe it. */
export interface ProxyInput {
  name: string;
  upstream: string;
  /** Default `127.0.0.1:0` (toxiproxy would listen on every interface; we keep to loopback). */
  listen: string;
  /** Default true. */
  enabled: boolean;
  /** Our addition; default `tcp`. */
  protocol: ProxyProtocol;
}

export const DEFAULT_LISTEN = "127.0.0.1:0";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Checks a proxy description. `at` names its position in a populate list (toxiproxy's
 * "missing required field: name at proxy 2"). Throws ApiError 400.
 */
export function parseProxyInput(body: unknown, at?: number): ProxyInput {
  if (!isObject(body)) throw apiErrors.badRequestBody.with("expected a JSON object");
  const where = at === undefined ? "" : ` at proxy ${at}`;
  for (const field of ["name", "upstream", "listen"] as const) {
    if (body[field] !== undefined && typeof body[field] !== "string") {
      throw apiErrors.badRequestBody.with(`${field} must be a string`);
    }
  }
  if (body.enabled !== undefined && typeof body.enabled !== "boolean") {
    throw apiErrors.badRequestBody.with("enabled must be true or false");
  }
  const protocol = body.protocol ?? "tcp";
  if (protocol !== "tcp" && protocol !== "udp")
    throw apiErrors.badRequestBody.with('protocol must be "tcp" or "udp"');
  if (!body.name) throw apiErrors.missingField.with(`name${where}`);
  if (!body.upstream) throw apiErrors.missingField.with(`upstream${where}`);
  return {
    name: body.name as string,
    upstream: body.upstream as string,
    listen: (body.listen as string | undefined) || DEFAULT_LISTEN,
    enabled: (body.enabled as boolean | undefined) ?? true,
    protocol,
  };
}

/** Turns an invalid address into the 400 an API client expects. */
export async function asApiError<T>(action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (isMsgError(error)) throw apiErrors.badRequestBody.with(error.message);
    throw error;
  }
}

/** The proxies of one API server, by name. */
export class ProxyRegistry {
  readonly #proxies = new Map<string, NamedProxy>();
  readonly #seed: number;
  readonly #scheduler: Scheduler | undefined;

  /** `seed` seeds every proxy's toxicity draws and links (each proxy derives its own streams). */
  constructor(options: { seed?: number; scheduler?: Scheduler } = {}) {
    this.#seed = options.seed ?? 0;
    this.#scheduler = options.scheduler;
  }

  list(): NamedProxy[] {
    return [...this.#proxies.values()];
  }

  get(name: string): NamedProxy {
    const proxy = this.#proxies.get(name);
    if (!proxy) throw apiErrors.proxyNotFound;
    return proxy;
  }

  /** Adds a proxy, started when `enabled`; 409 when the name is taken, 500 when it cannot listen. */
  async create(input: ProxyInput): Promise<NamedProxy> {
    if (this.#proxies.has(input.name)) throw apiErrors.proxyAlreadyExists;
    const proxy = await asApiError(() => this.#newProxy(input));
    if (input.enabled) await proxy.start();
    if (this.#proxies.has(input.name)) {
      await proxy.stop();
      throw apiErrors.proxyAlreadyExists;
    }
    this.#proxies.set(input.name, proxy);
    return proxy;
  }

  /**
   * Creates or replaces each proxy in order (toxiproxy's populate): a proxy whose listen and upstream
   * are unchanged is kept as it is, toxics included; a different one is stopped and replaced. Every
   * description is checked before anything changes. Throws a {@link PopulateError}.
   */
  async populate(bodies: unknown): Promise<NamedProxy[]> {
    let inputs: ProxyInput[];
    try {
      if (!Array.isArray(bodies)) throw apiErrors.badRequestBody.with("expected a JSON array of proxies");
      inputs = bodies.map((body, index) => parseProxyInput(body, index + 1));
    } catch (error) {
      throw new PopulateError(error as ApiError, null);
    }
    const done: NamedProxy[] = [];
    for (const input of inputs) {
      try {
        done.push(await this.#addOrReplace(input));
      } catch (error) {
        throw new PopulateError(error instanceof ApiError ? error : new ApiError(String(error), 500), done);
      }
    }
    return done;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.#proxies.delete(name);
    await proxy.stop();
  }

  /** Enables every proxy and removes every toxic (POST /reset). */
  async reset(): Promise<void> {
    for (const proxy of this.#proxies.values()) {
      if (!proxy.enabled) await proxy.start();
      proxy.removeAllToxics();
    }
  }

  /** Stops every proxy (the server is shutting down). */
  async close(): Promise<void> {
    await Promise.all(this.list().map((proxy) => proxy.stop()));
    this.#proxies.clear();
  }

  async #addOrReplace(input: ProxyInput): Promise<NamedProxy> {
    const existing = this.#proxies.get(input.name);
    if (existing && existing.protocol === input.protocol && !existing.differs(input.listen, input.upstream)) {
      return existing;
    }
    const proxy = await asApiError(() => this.#newProxy(input));
    if (existing) await existing.stop();
    // A replacement that cannot listen leaves the old proxy in place, stopped (as toxiproxy does).
    if (input.enabled) await proxy.start();
    this.#proxies.set(input.name, proxy);
    return proxy;
  }

  #newProxy(input: ProxyInput): NamedProxy {
    return new NamedProxy({
      name: input.name,
      listen: input.listen,
      upstream: input.upstream,
      protocol: input.protocol,
      seed: this.#seed,
      ...(this.#scheduler ? { scheduler: this.#scheduler } : {}),
    });
  }
}

/**
 * A populate that failed: the error, and the proxies created or kept before it (null when the list
 * itself was refused, which toxiproxy reports as `"proxies": null`).
 */
export class PopulateError extends Error {
  constructor(
    readonly error: ApiError,
    readonly done: NamedProxy[] | null,
  ) {
    super(error.message);
  }
}
