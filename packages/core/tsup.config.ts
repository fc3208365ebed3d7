import { packageBuild } from "../../tsup.base.ts";

// The compliance suite is built too, but exported for `import` only (vitest is ESM-only).
export default packageBuild(
  ["src/index.ts", "src/node/index.ts", "src/testing/index.ts", "src/testing/compliance.ts"],
  { browserEntry: ["src/index.ts"] },
);
