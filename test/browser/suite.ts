/**
 * What every browser test file starts with: the suite's Kafka, one app on it (ready), Chromium,
 * and pages that record what would mean the page is broken (script errors, CSP violations,
 * failed sub-resources).
 *
 *   let s: BrowserSuite;
 *   before(async () => (s = await startBrowserSuite({ KAFKA_TOPIC: 'my-topic' })));
 *   after(() => stopBrowserSuite(s));
 *   const { page, problems, close } = await openPage(s.browser);
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { startSuiteBroker, startTestApp, waitFor, type SuiteBroker } from '../app/harness.js';
import { launchChromium } from '../helpers/chromium.js';

/** Screenshots the tests take on the way, for a person to look at (not compared). */
export const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'screenshots');

export interface BrowserSuite {
  broker: SuiteBroker;
  app: RunningApp;
  browser: Browser;
}

export async function startBrowserSuite(env: Record<string, string>): Promise<BrowserSuite> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const started: Partial<BrowserSuite> = {};
  try {
    started.broker = await startSuiteBroker();
    started.app = await startTestApp(started.broker.address, { env });
    const url = started.app.url;
    await waitFor('app ready', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
    started.browser = await launchChromium();
    return started as BrowserSuite;
  } catch (err) {
    // `after` only sees what `before` assigned, i.e. nothing: stop what did start here.
    await stopBrowserSuite(started);
    throw err;
  }
}

/** Tolerates a suite whose start failed part-way (then `before` already failed the file). */
export async function stopBrowserSuite(s: Partial<BrowserSuite> | undefined): Promise<void> {
  await s?.browser?.close();
  await s?.app?.stop();
  await s?.broker?.close();
  if (s?.broker) fs.rmSync(s.broker.dataDir, { recursive: true, force: true });
}

export interface OpenedPage {
  page: Page;
  /**
   * Console errors (script errors and CSP violations show up there), uncaught page errors and
   * sub-resources that failed. A failed document is not counted: a form answered 400 with its
   * field errors is a page working as it should.
   */
  problems: string[];
  /** How often the main frame navigated: live pages must update without reloading. */
  navigations(): number;
  close(): Promise<void>;
}

export async function openPage(browser: Browser, opts: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-US', viewport: opts.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  let navigations = 0;
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  return { page, problems, navigations: () => navigations, close: () => context.close() };
}
