import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../../vitest.shared.ts";

// The browser test (npm run test:browser): not part of `npm test`'s projects, since it needs Chromium.
const config = packageTestConfig("browser");
config.root = fileURLToPath(new URL(".", import.meta.url));
config.test = { ...config.test, include: ["test/*.test.ts"], testTimeout: 60_000, hookTimeout: 90_000 };
export default config;
