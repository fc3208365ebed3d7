// Starts Debian's Chromium headless through playwright-core: nothing is downloaded, the executable is
// the system's (apt-get install chromium), and playwright gives every launch a fresh temporary profile.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser; MSG_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.MSG_CHROMIUM ?? "/usr/bin/chromium";

/** Launches headless Chromium; throws, saying how to install it, when it is missing. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
