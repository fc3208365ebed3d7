import { defineProject } from "vitest/config";

/**
 * The settings every package's tests share. `source` resolves workspace packages to their TypeScript
 * sources (see each package.json's exports), so a change in @msg/core is seen by @msg/socket's tests
 * without a rebuild.
 */
export function packageTestConfig(name: string) {
  return defineProject({
    resolve: { conditions: ["source"] },
    ssr: { resolve: { conditions: ["source"] } },
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      pool: "forks",
    },
  });
}
