// Takes the screenshot of the browser example shown in docs/websocket.md, with headless Chromium.
// Run: node --import tsx examples/browser/screenshot.ts   (after `npm run build`)
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.js";
import { startExample } from "./example.js";

const output = fileURLToPath(new URL("../../docs/images/browser-example.png", import.meta.url));
const example = await startExample({ pagePort: 0, publisherPort: 0, intervalMs: 100 });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 760, height: 590 } });
  await page.goto(example.pageUrl);
  // Wait until the table is full of live rows.
  await page.waitForFunction(() => document.querySelectorAll("#messages tr").length >= 12, undefined, {
    timeout: 15_000,
  });
  await page.screenshot({ path: output });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
  await example.close();
}
