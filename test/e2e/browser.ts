/**
 * Browser tests drive Debian's chromium (apt-get install chromium) through playwright-core; nothing is
 * downloaded. Without chromium they skip with a message, except under CI=true, where they fail.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const SCREENSHOT_DIR = fileURLToPath(new URL('./screenshots/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** describe() when chromium is installed; a skipped describe with a reason otherwise (a failure under CI). */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`Browser tests cannot run in CI: ${reason}`);
  console.warn(`Skipping browser tests "${name}": ${reason}`);
  describe.skip(name, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Full-page screenshots of the page as it is, at desktop and phone width, into the git-ignored folder. */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.phone.png`), fullPage: true });
  await page.setViewportSize(original);
}

/** A fresh SQLite store in its own temp dir. */
export async function temporaryStore(): Promise<{ store: Store; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'settled-e2e-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'settled.db') });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
