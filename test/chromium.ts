import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
// Debian's Chromium for the browser tests, started as this machine needs it: headless, no
// sandbox (tests run as root), and none of the background networking a closed network refuses.
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A temporary folder for a test's screenshots, named in the test's output, and the function that
 * saves a page's full screenshot there as `NN-name.png`, numbered in the order taken.
 */
export function screenshots(t: { diagnostic(message: string): void }, prefix: string): (page: Page, name: string) => Promise<Buffer> {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  t.diagnostic(`screenshots: ${folder}`);
  console.log(`screenshots: ${folder}`);
  let shot = 0;
  return (page, name) => page.screenshot({ path: join(folder, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}
