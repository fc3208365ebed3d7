import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createLogger } from "@msg/core";
import { ApiError, apiErrors } from "./api-error.js";
import { listenOn } from "./listen.js";
import { asApiError, PopulateError, type ProxyRegistry, parseProxyInput } from "./registry.js";
import { parseToxic, updateToxic } from "./toxics.js";
import { SIM_VERSION } from "./version.js";

const log = createLogger("sim.api");

/** Toxiproxy's default API address. */
export const DEFAULT_API_ADDRESS = "127.0.0.1:8474";

/** Request bodies above this are refused (400) without being read further. */
const MAX_BODY_BYTES = 1 << 20;

interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (params: string[], body: () => unknown) => Promise<Reply>;

/**
 * Toxiproxy 2.x's HTTP API over a {@link ProxyRegistry}: the same paths, methods, bodies, status codes
 * and error shape (`{"error": "...", "status": N}`), so toxiproxy's clients drive it unchanged.
 * Requests are handled one at a time, in arrival order, as toxiproxy's locks serialise them. Like
 * toxiproxy, it refuses requests whose User-Agent starts with `Mozilla/` (a web page must not be
 * able to reconfigure a test network).
 *
 * Routing is a table of the thirteen method + path shapes below; a router library would need more
 * configuration than the table itself.
 */
export class ToxiproxyApi {
  readonly #server: Server;
  readonly #registry: ProxyRegistry;
  readonly address: string;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(server: Server, registry: ProxyRegistry, address: string) {
    this.#server = server;
    this.#registry = registry;
    this.address = address;
  }

  /** Listens on `address` (`host:port`, port 0 allowed). Rejects with MsgError `bind_failed`. */
  static async listen(address: string, registry: ProxyRegistry): Promise<ToxiproxyApi> {
    const server = createServer();
    const api = new ToxiproxyApi(server, registry, await listenOn(server, address));
    server.on("request", (request, response) => api.#enqueue(request, response));
    return api;
  }

  /** Stops answering; the proxies stay as they are (close the registry to stop them). */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #enqueue(request: IncomingMessage, response: ServerResponse): void {
    const handled = this.#queue.then(() => this.#handle(request, response));
    this.#queue = handled.catch(() => undefined);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const text = await readBody(request);
      if (request.headers["user-agent"]?.startsWith("Mozilla/")) throw apiErrors.browserRefused;
      const { pathname } = new URL(request.url ?? "/", "http://api");
      const [handler, params] = this.#route(request.method ?? "GET", pathname);
      reply = await handler(params, () => parseJson(text));
    } catch (error) {
      if (error instanceof PopulateError) {
        reply = { status: error.error.status, body: { ...error.error.toJSON(), proxies: error.done } };
      } else if (error instanceof ApiError) {
        reply = { status: error.status, body: error };
      } else {
        log.warn("request failed", { error });
        reply = { status: 500, body: new ApiError(String((error as Error)?.message ?? error), 500) };
      }
    }
    send(response, reply);
  }

  #route(method: string, pathname: string): [Handler, string[]] {
    const parts = pathname.split("/").slice(1).map(decodeURIComponent);
    const shape = parts.map((part, i) => (i % 2 === 1 ? ":" : part)).join("/");
    const routes = this.#routes[shape];
    if (!routes) throw apiErrors.notFound;
    // toxiproxy takes PATCH as well as POST for updates (POST is its older spelling).
    const handler = routes[method] ?? (method === "POST" || method === "PATCH" ? routes.UPDATE : undefined);
    if (!handler) throw apiErrors.methodNotAllowed;
    return [handler, parts.filter((_, i) => i % 2 === 1)];
  }

  /** Handlers by path shape (`:` = a name) and method; UPDATE answers both POST and PATCH. */
  readonly #routes: Record<string, Record<string, Handler>> = {
    version: {
      GET: async () => ({ status: 200, body: { version: SIM_VERSION } }),
    },
    reset: {
      POST: async () => {
        await this.#registry.reset();
        return { status: 204 };
      },
    },
    populate: {
      POST: async (_, body) => {
        let list: unknown;
        try {
          list = body();
        } catch (error) {
          throw new PopulateError(error as ApiError, null);
        }
        return { status: 201, body: { proxies: await this.#registry.populate(list) } };
      },
    },
    proxies: {
      GET: async () => ({
        status: 200,
        body: Object.fromEntries(this.#registry.list().map((proxy) => [proxy.name, proxy])),
      }),
      POST: async (_, body) => ({ status: 201, body: await this.#registry.create(parseProxyInput(body())) }),
    },
    "proxies/:": {
      GET: async ([name]) => ({ status: 200, body: this.#registry.get(name!) }),
      UPDATE: async ([name], body) => {
        const proxy = this.#registry.get(name!);
        const input = body();
        if (input === null || typeof input !== "object" || Array.isArray(input)) {
          throw apiErrors.badRequestBody.with("expected a JSON object");
        }
        const {
          listen = proxy.listen,
          upstream = proxy.upstream,
          enabled = proxy.enabled,
        } = input as Record<string, unknown>;
        if (typeof listen !== "string" || typeof upstream !== "string" || typeof enabled !== "boolean") {
          throw apiErrors.badRequestBody.with("listen and upstream are strings, enabled is true or false");
        }
        await asApiError(() => proxy.update({ listen, upstream, enabled }));
        return { status: 200, body: proxy };
      },
      DELETE: async ([name]) => {
        await this.#registry.remove(name!);
        return { status: 204 };
      },
    },
    "proxies/:/toxics": {
      GET: async ([name]) => ({ status: 200, body: this.#registry.get(name!).toxics }),
      // toxiproxy answers a created toxic with 200, not 201.
      POST: async ([name], body) => {
        const proxy = this.#registry.get(name!);
        const toxic = parseToxic(body(), proxy.protocol);
        proxy.addToxic(toxic);
        return { status: 200, body: toxic };
      },
    },
    "proxies/:/toxics/:": {
      GET: async ([name, toxic]) => ({ status: 200, body: this.#registry.get(name!).toxic(toxic!) }),
      UPDATE: async ([name, toxicName], body) => {
        const proxy = this.#registry.get(name!);
        const toxic = updateToxic(proxy.toxic(toxicName!), body());
        proxy.replaceToxic(toxic);
        return { status: 200, body: toxic };
      },
      DELETE: async ([name, toxic]) => {
        this.#registry.get(name!).removeToxic(toxic!);
        return { status: 204 };
      },
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw apiErrors.badRequestBody.with(`larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  // Go's decoder reports an empty body as EOF; keep the same words.
  if (text.trim() === "") throw apiErrors.badRequestBody.with("EOF");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiErrors.badRequestBody.with((error as Error).message);
  }
}

function send(response: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    response.writeHead(reply.status).end();
    return;
  }
  const text = `${JSON.stringify(reply.body)}\n`;
  response
    .writeHead(reply.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    })
    .end(text);
}
