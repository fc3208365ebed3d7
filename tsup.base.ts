import { defineConfig, type Options } from "tsup";

/**
 * The build every package shares: ESM and CommonJS for Node 20+, type declarations, source maps.
 * `dtsEntry` narrows the declarations to the library entry where other entries are executables.
 */
export function packageBuild(entry: string[], extra: { dtsEntry?: string[]; shims?: boolean } = {}) {
  const { dtsEntry, shims = false } = extra;
  const options: Options = {
    entry,
    format: ["esm", "cjs"],
    dts: dtsEntry ? { entry: dtsEntry } : true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    // import.meta.url in the CommonJS build (wire loads native codecs with createRequire).
    shims,
  };
  return defineConfig(options);
}
