import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * A browser app bundling this package gets the browser entry through the `browser` export condition,
 * and nothing of Node's: esbuild for the browser fails on any Node builtin, and neither `ws` (with its
 * optional `bufferutil`) nor transport-tcp (the Node side's TLS options) may be reached. Checked from
 * the sources (the `source` condition, as this workspace resolves them) and from the published build.
 */
const here = dirname(fileURLToPath(import.meta.url));

describe("the browser entry", () => {
  it.each([
    { variant: "sources", conditions: ["source"], entry: "transport-ws/src/browser.ts" },
    { variant: "published build", conditions: [], entry: "transport-ws/dist/browser.js" },
  ])("bundles for a browser with nothing from Node or ws ($variant)", async ({ conditions, entry }) => {
    const result = await build({
      stdin: { contents: 'export * from "@msg/transport-ws";', resolveDir: here },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      conditions,
      absWorkingDir: join(here, "..", ".."), // inputs are then named from packages/
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith(entry))).toBe(true);
    expect(inputs.filter((input) => /\/(ws|bufferutil|transport-tcp)\//.test(input))).toEqual([]);
    expect(result.outputFiles[0]!.text).toContain("BrowserWsTransport");
  });
});
