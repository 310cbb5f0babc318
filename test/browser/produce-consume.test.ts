/**
 * Real browser (Debian's chromium via playwright-core) against the real app and embedded broker.
 * Screenshots go to test-artifacts/screenshots/ for a human look at the result.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { waitFor, type SuiteBroker } from '../app/harness.js';
import { suiteName } from '../helpers/suite-kafka.js';
import { openPage as openSuitePage, SHOTS, startBrowserSuite, stopBrowserSuite } from './suite.js';

let broker: SuiteBroker;
let app: RunningApp;
let browser: Browser;

before(async () => {
  ({ broker, app, browser } = await startBrowserSuite({ KAFKA_GROUP_ID: suiteName('browser-group') }));
});

after(() => stopBrowserSuite({ broker, app, browser }));

const openPage = (locale = 'en-US') => openSuitePage(browser, { locale, viewport: { width: 1200, height: 900 } });

/** The fonts Chromium actually used to draw the text of the first element matching `selector`. */
async function platformFonts(page: Page, selector: string): Promise<Array<{ familyName: string; glyphCount: number }>> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => ({ familyName: f.familyName, glyphCount: f.glyphCount }));
  } finally {
    await cdp.detach();
  }
}

test('send a message with the form, see the flash, then see it on the Consume page', async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}/produce`);
    assert.equal(await page.inputValue('#topic'), 'test-topic');
    await page.fill('#key', 'browser-key');
    await page.fill('#message', 'Hello from Chromium <b>not bold</b>');
    await Promise.all([page.waitForURL(`${app.url}/produce`), page.click('button[type=submit]')]);

    const flash = page.getByTestId('flash');
    await flash.waitFor();
    assert.match((await flash.innerText()).trim(), /^Sent to test-topic, partition \d, offset \d+\./);
    await page.screenshot({ path: path.join(SHOTS, 'produce-success.png'), fullPage: true });

    await page.getByRole('link', { name: 'See consumed messages' }).click();
    await page.waitForURL(`${app.url}/consume`);
    // The consumer may need a moment; the page's own Refresh button reloads it.
    await waitFor('row on the Consume page', async () => {
      if ((await page.getByTestId('message-value').filter({ hasText: 'Hello from Chromium' }).count()) > 0) return true;
      await page.getByTestId('refresh').click();
      await page.waitForLoadState('load');
      return false;
    });
    const cell = page.getByTestId('message-value').filter({ hasText: 'Hello from Chromium' }).first();
    assert.equal((await cell.innerText()).trim(), 'Hello from Chromium <b>not bold</b>', 'markup shown as text');
    assert.equal(await cell.locator('b').count(), 0, 'no element was created from the message');
    const row = page.getByTestId('message-row').filter({ hasText: 'Hello from Chromium' }).first();
    assert.match(await row.innerText(), /browser-key/);
    await page.screenshot({ path: path.join(SHOTS, 'consume.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a validation error is shown next to the field and the input is kept', async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}/produce`);
    await page.fill('#topic', 'not a valid topic');
    await page.fill('#message', 'kept text');
    await page.click('button[type=submit]');
    const error = page.getByTestId('error-topic');
    await error.waitFor();
    assert.equal((await error.innerText()).trim(), 'Topic may only contain letters, digits, ".", "_" and "-".');
    assert.equal(await error.isVisible(), true);
    assert.equal(await page.inputValue('#topic'), 'not a valid topic');
    assert.equal(await page.inputValue('#message'), 'kept text');
    assert.match((await page.getAttribute('#topic', 'class')) ?? '', /is-invalid/);
    await page.screenshot({ path: path.join(SHOTS, 'produce-validation.png'), fullPage: true });

    await page.fill('#topic', 'test-topic');
    await page.fill('#message', '');
    await page.click('button[type=submit]');
    await page.getByTestId('error-message').waitFor();
    assert.equal((await page.getByTestId('error-message').innerText()).trim(), 'Message is required.');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('Traditional Chinese from the browser language, English via the navbar switch', async () => {
  const { page, problems, close } = await openPage('zh-TW');
  try {
    await page.goto(`${app.url}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Kafka 網頁示範');
    // The screenshots are only legible with a CJK font installed (.ci/run: fonts-noto-cjk);
    // without one Chromium draws the four characters as empty boxes and says so here.
    const fonts = await platformFonts(page, 'h1');
    const cjk = fonts.filter((f) => /CJK/i.test(f.familyName));
    assert.ok(cjk.reduce((n, f) => n + f.glyphCount, 0) >= 4, `a CJK font draws 網頁示範; fonts used: ${JSON.stringify(fonts)}`);
    await page.screenshot({ path: path.join(SHOTS, 'home-zh-TW.png'), fullPage: true });
    await page.getByTestId('lang-en').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.getByTestId('consumer-state').innerText(), /running/);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
