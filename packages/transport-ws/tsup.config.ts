import { packageBuild } from "../../tsup.base.ts";

// browser.ts is the `browser` export condition's entry (client over the platform's WebSocket).
export default packageBuild(["src/index.ts", "src/browser.ts"]);
