/**
 * The topic browser, the fuller Produce form and the live pictures in a real browser (Debian's
 * chromium via playwright-core), under the app's CSP: any console error fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { Client, waitFor, type SuiteBroker } from '../app/harness.js';
import { openPage as openSuitePage, SHOTS, startBrowserSuite, stopBrowserSuite } from './suite.js';

const TOPIC = 'tour-topic';

let broker: SuiteBroker;
let app: RunningApp;
let browser: Browser;

before(async () => {
  ({ broker, app, browser } = await startBrowserSuite({ KAFKA_GROUP_ID: 'browser-topics', KAFKA_TOPIC: TOPIC, INSTANCE_ID: 'browser-instance' }));
});

after(() => stopBrowserSuite({ broker, app, browser }));

const openPage = () => openSuitePage(browser);

const send = (body: Record<string, unknown>) => new Client(app.url).postJson('/api/messages', { topic: TOPIC, ...body });

test('the guided tour on Home ticks "sent" and "consumed" by itself when a message goes through', async () => {
  const { page, problems, navigations, close } = await openPage();
  try {
    await page.goto(`${app.url}/`);
    const step = (id: string) => page.locator(`[data-testid="tour-step"][data-step="${id}"]`);
    assert.equal(await step('sent').getAttribute('data-done'), '', 'nothing sent yet');
    assert.equal(await page.getByTestId('tour-step').count(), 5);
    const loaded = navigations();
    assert.equal((await send({ key: 'tour', value: 'first message' })).status, 201);
    await page.locator('[data-testid="tour-step"][data-step="consumed"][data-done="1"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="tour-step"][data-step="sent"][data-done="1"]').waitFor();
    assert.match((await step('sent').innerText()).trim(), /^✓ done/);
    assert.equal(await step('replayed').getAttribute('data-done'), '');
    assert.equal(navigations(), loaded, 'ticked without a reload');
    await page.screenshot({ path: path.join(SHOTS, 'home-tour.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('browse a topic: list, rows as text, JSON pretty-printed, older page, live tail, produce again', async () => {
  for (let i = 0; i < 12; i++) assert.equal((await send({ key: `k${i}`, value: `plain ${i}` })).status, 201);
  assert.equal((await send({ key: '<img src=x onerror=alert(1)>', value: '{"a":[1,2],"b":"<b>bold?</b>"}', headers: { '<h>': '<v>' } })).status, 201);
  const { page, problems, navigations, close } = await openPage();
  try {
    await page.goto(`${app.url}/topics`);
    await page.locator(`[data-testid="topic-row"][data-topic="${TOPIC}"] [data-testid="topic-link"]`).click();
    await page.waitForURL(`${app.url}/topics/${TOPIC}`);
    const first = page.getByTestId('browse-row').first();
    assert.equal((await first.getByTestId('browse-key').innerText()).trim(), '<img src=x onerror=alert(1)>');
    assert.equal((await first.getByTestId('browse-value').innerText()).trim(), 'JSON{\n  "a": [\n    1,\n    2\n  ],\n  "b": "<b>bold?</b>"\n}');
    assert.equal((await first.getByTestId('browse-headers').innerText()).trim(), '<h>\n<v>');
    assert.equal(await page.locator('[data-testid="browse-messages"] img, [data-testid="browse-messages"] b').count(), 0, 'no element from user data');
    await page.screenshot({ path: path.join(SHOTS, 'topic.png'), fullPage: true });

    await page.fill('#browse-limit', '5');
    await Promise.all([page.waitForURL(/limit=5/), page.getByRole('button', { name: 'Show' }).click()]);
    assert.equal(await page.getByTestId('browse-row').count(), 5);
    const newest = await page.getByTestId('browse-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-partition')}@${r.getAttribute('data-offset')}`));
    await Promise.all([page.waitForURL(/cursor=older/), page.getByTestId('page-older').click()]);
    const older = await page.getByTestId('browse-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-partition')}@${r.getAttribute('data-offset')}`));
    assert.equal(older.length, 5);
    assert.deepEqual(older.filter((o) => newest.includes(o)), [], 'the older page shows other records');

    await Promise.all([page.waitForURL(/live=1/), page.getByTestId('live-tail').click()]);
    await page.getByTestId('tail-note').waitFor();
    const loaded = navigations();
    assert.equal((await send({ key: 'tail', value: 'arrived live' })).status, 201);
    await page.getByTestId('browse-value').filter({ hasText: 'arrived live' }).waitFor({ timeout: 15_000 });
    assert.equal((await page.getByTestId('browse-row').first().getByTestId('browse-value').innerText()).trim(), 'arrived live', 'newest on top');
    assert.equal(navigations(), loaded, 'no reload');

    await Promise.all([page.waitForURL(/\/produce\?/), page.getByTestId('browse-row').first().getByTestId('produce-again').click()]);
    await page.getByTestId('again-note').waitFor();
    assert.equal(await page.inputValue('#key'), 'tail');
    assert.equal(await page.inputValue('#message'), 'arrived live');
    assert.equal(await page.inputValue('#topic'), TOPIC);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the Produce form sends headers to a chosen partition, and a burst reports its split', async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}/produce`);
    await page.fill('#topic', TOPIC);
    await page.fill('#partition', '2');
    await page.fill('#key', 'with-headers');
    await page.fill('#message', 'headers from the browser');
    await page.fill('#header-name-0', 'trace-id');
    await page.fill('#header-value-0', 'abc-123');
    await Promise.all([page.waitForURL(`${app.url}/produce`), page.getByRole('button', { name: 'Send' }).click()]);
    assert.match((await page.getByTestId('flash').innerText()).trim(), new RegExp(`^Sent to ${TOPIC}, partition 2, offset \\d+\\.`));
    await page.screenshot({ path: path.join(SHOTS, 'produce-headers.png'), fullPage: true });

    await page.fill('#partition', '9');
    await page.fill('#message', 'nowhere');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('error-partition').waitFor();
    assert.equal((await page.getByTestId('error-partition').innerText()).trim(), `Topic ${TOPIC} has partitions 0 to 2.`);

    await page.fill('#partition', '');
    await page.fill('#key', 'job');
    await page.fill('#message', 'burst item');
    await page.fill('#count', '60');
    await Promise.all([page.waitForURL(`${app.url}/produce`), page.getByRole('button', { name: 'Send' }).click()]);
    const flash = (await page.getByTestId('flash').innerText()).trim();
    assert.match(flash, new RegExp(`^Sent 60 message\\(s\\) to ${TOPIC}: partition \\d: \\d+`));
    assert.equal([...flash.matchAll(/partition \d: (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0), 60);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the pictures on /cluster follow the group without a reload', async () => {
  const { page, problems, navigations, close } = await openPage();
  try {
    await page.goto(`${app.url}/cluster`);
    await page.getByTestId('pictures').waitFor();
    const loaded = navigations();
    const sent = (await send({ key: 'picture', value: 'moves the lane' })).json<{ partition: number; offset: string }>();
    const next = String(BigInt(sent.offset) + 1n);
    const lane = page.locator(`[data-testid="lane"][data-partition="${sent.partition}"]`);
    await waitFor('lane committed offset updated in place', async () => (await lane.getAttribute('data-committed')) === next && (await lane.getAttribute('data-end')) === next, 20_000);
    assert.equal(await lane.getAttribute('data-owner'), 'browser-instance');
    assert.equal(navigations(), loaded, 'no reload');
    await page.getByTestId('pictures').screenshot({ path: path.join(SHOTS, 'cluster-pictures.png') });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
