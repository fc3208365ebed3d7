import { defineConfig } from "vitest/config";

// One vitest run over every package, the examples and the reliability scenarios' short versions (each has its own vitest.config.ts: a project).
export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "reliability"],
  },
});
