import { packageBuild } from "../../tsup.base.ts";

// The CLI is an executable, not an API: only the library entry gets type declarations.
export default packageBuild(["src/index.ts", "src/cli.ts"], { dtsEntry: ["src/index.ts"] });
