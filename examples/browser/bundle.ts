// Bundles a page script for the browser with esbuild: the packages' `browser` export condition picks
// their browser entries (the WebSocket transport over the platform's WebSocket, gzip in JavaScript).
import { build } from "esbuild";

/** Bundles `entry` (a .ts file) and its imports into one ES module, in memory; returns its text. */
export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
