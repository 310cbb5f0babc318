/**
 * Debian's Chromium driven by playwright-core, started the way this machine needs: no sandbox (root),
 * and none of the background connections a closed network refuses. Used by the browser tests and
 * scripts/screenshots.ts.
 */
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
