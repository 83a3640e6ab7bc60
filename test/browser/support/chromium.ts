/**
 * Debian's Chromium for the browser tests and the dashboard benchmark (playwright-core
 * downloads no browser). Missing Chromium is a skip with one line saying how to install it;
 * CI installs it (.ci/run).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium executable, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path));
}

export const NO_CHROMIUM =
  "browser tests skipped: no Chromium at /usr/bin/chromium (install it: apt-get install chromium, or set CHROMIUM_PATH)";

/** Launches headless Chromium with the flags the project uses everywhere. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
}
