import { packageTestConfig } from "../vitest.shared.ts";

const config = packageTestConfig("examples");
config.test = { ...config.test, include: ["*.test.ts"] };
export default config;
