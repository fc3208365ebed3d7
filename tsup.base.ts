import { defineConfig, type Options } from "tsup";

/**
 * The build every package shares: ESM and CommonJS for Node 20+, type declarations, source maps.
 * `dtsEntry` narrows the declarations to the library entry where other entries are executables.
 * `browserEntry` adds an ESM build of those entries for browsers and other non-Node runtimes in
 * `dist/browser/` (what the `browser` and `default` export conditions point at): bundled with the
 * `browser` condition, so `#platform` imports resolve to the web implementation. Its types are the
 * Node build's (`dist/*.d.ts`): the two builds have the same API.
 */
export function packageBuild(
  entry: string[],
  extra: { dtsEntry?: string[]; shims?: boolean; browserEntry?: string[] } = {},
) {
  const { dtsEntry, shims = false, browserEntry } = extra;
  const options: Options = {
    entry,
    format: ["esm", "cjs"],
    dts: dtsEntry ? { entry: dtsEntry } : true,
    sourcemap: true,
    // The browser build writes into dist/browser at the same time: leave it alone.
    clean: browserEntry ? ["!browser/**"] : true,
    target: "node20",
    platform: "node",
    // import.meta.url in the CommonJS build (wire loads native codecs with createRequire).
    shims,
  };
  if (!browserEntry) return defineConfig(options);
  const browser: Options = {
    entry: browserEntry,
    outDir: "dist/browser",
    format: ["esm"],
    dts: false,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "browser",
  };
  return defineConfig([options, browser]);
}
