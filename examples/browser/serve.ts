// Runs the browser example: the publisher, the page bundled and served; open the printed URL.
// Run: node --import tsx examples/browser/serve.ts   (after `npm run build`; Ctrl-C stops it)
import { startExample } from "./example.js";

const example = await startExample();
console.log(`publisher: ${example.publisherUrl}`);
console.log(`page:      ${example.pageUrl}  (open it in a browser)`);
process.once("SIGINT", () => {
  void example.close().then(() => process.exit(0));
});
