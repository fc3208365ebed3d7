// The browser example's Node side: a PubSocket on WebSocket publishing prices (and news the page does
// not subscribe to), and the page, bundled with esbuild and served on localhost.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PubSocket } from "@msg/socket";
import { WsTransport } from "@msg/transport-ws";
import { bundlePage } from "./bundle.js";
import { servePage } from "./page-server.js";

/** The running example: the page's URL, the publisher's, and `close()`. */
export interface RunningExample {
  pageUrl: string;
  publisherUrl: string;
  close(): Promise<void>;
}

const START_PRICES: Record<string, number> = { BTC: 91_250, ETH: 3_120, SOL: 141 };

/**
 * Starts the page on `pagePort` and the publisher on `publisherPort` (0: any free port), both on
 * 127.0.0.1; the publisher accepts WebSocket upgrades from the page's origin only (and from clients
 * that send no Origin, such as Node programs).
 */
export async function startExample({
  pagePort = 8080,
  publisherPort = 8081,
  intervalMs = 500,
} = {}): Promise<RunningExample> {
  const script = await bundlePage(fileURLToPath(new URL("./page.ts", import.meta.url)));
  const template = await readFile(new URL("./index.html", import.meta.url), "utf8");
  let publisherUrl = "";
  // Served first: the publisher needs the page's origin for allowedOrigins.
  const page = await servePage(() => template.replace("{{PUBLISHER}}", publisherUrl), script, pagePort);
  const origin = new URL(page.url).origin;
  const pub = new PubSocket(
    new WsTransport({ allowedOrigins: [origin, origin.replace("127.0.0.1", "localhost")] }),
  );
  publisherUrl = await pub.bind(`ws://127.0.0.1:${publisherPort}/events`);

  const prices = { ...START_PRICES };
  let tick = 0;
  const timer = setInterval(() => {
    const symbol = Object.keys(prices)[tick++ % 3]!;
    // A random walk of at most 0.2% a tick.
    prices[symbol] = prices[symbol]! * (1 + (Math.random() - 0.5) * 0.004);
    const time = new Date().toISOString();
    void pub.publish(`prices.${symbol}`, JSON.stringify({ symbol, price: prices[symbol], time }));
    if (tick % 5 === 0)
      void pub.publish("news.markets", JSON.stringify({ headline: "not for prices.*", time }));
  }, intervalMs);

  return {
    pageUrl: page.url,
    publisherUrl,
    close: async () => {
      clearInterval(timer);
      await pub.close();
      await page.close();
    },
  };
}
