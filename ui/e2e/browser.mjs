// Launches Debian's Chromium through playwright-core (no browser download).
//
// CHROMIUM_BIN overrides the executable (default /usr/bin/chromium; on Debian/Ubuntu:
// `apt-get install -y chromium`). Each test takes a fresh browser context: its own
// cookies, localStorage and sessionStorage, so tests never see each other's state.

import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { UI_DIR } from "./hub.mjs";

export const ARTIFACTS_DIR = join(UI_DIR, "e2e", "artifacts");

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium with a fresh temporary profile (playwright-core creates and removes it). */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
  try {
    await access(executablePath, constants.X_OK);
  } catch {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_BIN)`);
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A fresh, isolated context the size of a small desktop window (or `viewport`), in English,
 * with short timeouts so a missing element fails fast with a useful message.
 */
export async function newPage(browser, { locale = "en-US", viewport = { width: 1024, height: 768 } } = {}) {
  const context = await browser.newContext({ viewport, locale });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  /** Uncaught exceptions and console errors in the page. */
  const problems = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

/** A screenshot path under e2e/artifacts (gitignored). */
export async function artifactPath(name) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/**
 * Aborts every request that does not go to loopback, so a page under test never reaches the
 * internet (DESIGN §10), e.g. for a weather icon hosted by the weather service.
 */
export async function offline(context) {
  await context.route(
    (url) => url.hostname !== "127.0.0.1" && url.hostname !== "localhost",
    (route) => route.abort("blockedbyclient"),
  );
}
