// What every browser test shares: Debian's chromium launched headless through playwright-core,
// and pages in fresh contexts that record page errors and console errors (tests assert none).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { binary } from '../http/harness.mjs';

export const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
export const ACTION_TIMEOUT = 15_000;
export const PASSWORD = 'correct horse battery';

export async function launchBrowser() {
  if (!existsSync(binary)) throw new Error(`guildhall binary not found at ${binary} (set GH_BINARY)`);
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (set GH_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}

// A page in a new context (its own cookies) on `baseURL`; `page.problems` collects page errors
// and console errors, each prefixed with `label`.
export async function newPage(browser, baseURL, label) {
  const context = await browser.newContext({ baseURL, locale: 'en-US', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`[${label}] page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`[${label}] console: ${m.text()}`); });
  return page;
}
