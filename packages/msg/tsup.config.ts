import { packageBuild } from "../../tsup.base.ts";

// `@msg/msg/cli` exports `runCli` (typed, without side effects); bin/msg.js calls it.
// shims: import.meta.url in the CommonJS build (the CLI reads its version from package.json).
export default packageBuild(["src/index.ts", "src/cli.ts"], { shims: true });
