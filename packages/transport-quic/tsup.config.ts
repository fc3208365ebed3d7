import { packageBuild } from "../../tsup.base.ts";

// `internal` serves this repository's benchmarks (see src/internal.ts).
export default packageBuild(["src/index.ts", "src/internal.ts"]);
