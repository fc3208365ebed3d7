import { packageBuild } from "../../tsup.base.ts";

export default packageBuild(["src/index.ts"], { shims: true, browserEntry: ["src/index.ts"] });
