import { defineConfig } from "vitest/config";

// One vitest run over every package, the examples, the docs, the benchmark tooling and the reliability scenarios' short versions (each has its own vitest.config.ts: a project).
export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "docs", "benchmarks", "reliability"],
  },
});
