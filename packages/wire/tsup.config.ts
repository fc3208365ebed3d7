import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  // import.meta.url in the CJS build too: the lazy loader of the native codecs uses createRequire with it.
  shims: true,
});
