import { defineConfig } from "vitest/config";

// One vitest run over every package and the examples (each has its own vitest.config.ts: a project).
export default defineConfig({
  test: {
    projects: ["packages/*", "examples"],
  },
});
