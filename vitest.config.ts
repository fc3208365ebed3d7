import { defineConfig } from "vitest/config";

// One vitest run over every package, the examples, the docs and the benchmark tooling (each has its own vitest.config.ts: a project).
export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "docs", "benchmarks"],
  },
});
