// Serves one bundled page on localhost: "/" is the HTML, "/page.js" the bundle. Nothing else.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running page server: its URL, and `close()`. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts serving `html` (which loads `/page.js` as a module; a function is called for each request)
 * and `script` on `host`:`port` (0: any free port).
 */
export async function servePage(
  html: string | (() => string),
  script: string,
  port = 0,
  host = "127.0.0.1",
): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://page").pathname;
    const body =
      path === "/" ? (typeof html === "string" ? html : html()) : path === "/page.js" ? script : undefined;
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = path === "/" ? "text/html" : "text/javascript";
    response.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
    response.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
