/**
 * The live pages in a real browser: the Consume page's Server-Sent Events and the group view's
 * polling, both under the app's CSP (no inline script, connect-src 'self'). Messages are
 * produced from outside the page (the test's own HTTP calls), and the page must show them
 * without being reloaded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, waitFor, type SuiteBroker } from '../app/harness.js';
import { openPage as openSuitePage, SHOTS, startBrowserSuite, stopBrowserSuite } from './suite.js';

let broker: SuiteBroker;
let app: RunningApp;
let browser: Browser;

before(async () => {
  ({ broker, app, browser } = await startBrowserSuite({ KAFKA_GROUP_ID: 'live-group', KAFKA_TOPIC: 'live-topic', MESSAGES_CAPACITY: '3' }));
});

after(() => stopBrowserSuite({ broker, app, browser }));

const openPage = () => openSuitePage(browser);

const send = (value: string, key?: string) => new Client(app.url).postJson('/api/messages', { value, key });

test('the Consume page shows messages produced elsewhere without a reload, as text, keeping at most `capacity` rows', async (t) => {
  // Its own app, topic and group: the page must start empty, whatever other tests consumed.
  const fresh = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'live-consume-group', KAFKA_TOPIC: 'live-consume-topic', MESSAGES_CAPACITY: '3' } });
  t.after(() => fresh.stop());
  await waitFor('fresh app ready', async () => (await fetch(`${fresh.url}/readyz`)).status === 200, 30_000);
  const send = (value: string, key?: string) => new Client(fresh.url).postJson('/api/messages', { value, key });
  const { page, problems, navigations, close } = await openPage();
  try {
    await page.goto(`${fresh.url}/consume`);
    await page.getByTestId('live-note').waitFor({ state: 'visible' });
    assert.equal(await page.getByTestId('empty').isVisible(), true);
    const loaded = navigations();

    assert.equal((await send('<b>pushed</b> live', 'live-key')).status, 201);
    const cell = page.getByTestId('message-value').filter({ hasText: 'pushed' });
    await cell.first().waitFor({ timeout: 15_000 });
    assert.equal((await cell.first().innerText()).trim(), '<b>pushed</b> live', 'markup shown as text');
    assert.equal(await cell.first().locator('b').count(), 0, 'no element was created from the message');
    const row = page.getByTestId('message-row').first();
    assert.equal((await row.getByTestId('message-instance').innerText()).trim(), fresh.instanceId);
    assert.equal((await row.getByTestId('message-group').innerText()).trim(), 'live-consume-group');
    assert.match(await row.innerText(), /live-key/);
    assert.equal(await page.getByTestId('empty').isVisible(), false);

    for (let i = 1; i <= 4; i++) assert.equal((await send(`next-${i}`)).status, 201);
    await page.getByTestId('message-value').filter({ hasText: 'next-4' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('message-row').count(), 3, 'capacity 3: older rows dropped');
    assert.equal((await page.getByTestId('message-value').first().innerText()).trim(), 'next-4', 'newest first');
    assert.equal(navigations(), loaded, 'the page was never reloaded');
    await page.screenshot({ path: path.join(SHOTS, 'consume-live.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the group view refreshes by itself, and "consume as group" works from its form', async () => {
  const { page, problems, navigations, close } = await openPage();
  try {
    await page.goto(`${app.url}/cluster`);
    const group = page.locator('[data-testid="group"][data-group="live-group"]');
    await group.waitFor();
    assert.equal((await group.getByTestId('group-state').innerText()).trim(), 'Stable');
    const loaded = navigations();

    const sent = (await send('moves the end offset')).json<{ partition: number; offset: string }>();
    const end = page.locator(`[data-testid="topic-partition"][data-topic="live-topic"][data-partition="${sent.partition}"] [data-field="end"]`);
    await waitFor('end offset updated in place', async () => (await end.innerText()).trim() === String(BigInt(sent.offset) + 1n), 15_000);
    const lag = group.locator(`[data-testid="offset-row"][data-partition="${sent.partition}"] [data-field="committed"]`);
    await waitFor('committed offset updated in place', async () => (await lag.innerText()).trim() === String(BigInt(sent.offset) + 1n), 15_000);
    assert.equal(navigations(), loaded, 'no reload');
    assert.equal((await group.locator('[data-testid="member"] [data-field="instance"]').innerText()).trim(), `${app.instanceId} this instance`);
    await page.screenshot({ path: path.join(SHOTS, 'cluster.png'), fullPage: true });

    await page.fill('#switchGroup-group', 'browser-replay');
    await Promise.all([page.waitForURL(`${app.url}/cluster`), page.getByRole('button', { name: 'Switch group' }).click()]);
    await page.getByTestId('flash').waitFor();
    assert.equal((await page.getByTestId('flash').innerText()).trim(), 'This instance now consumes as group browser-replay (it was live-group).');
    assert.equal((await page.getByTestId('nav-group').innerText()).trim(), 'browser-replay');
    await page.locator('[data-testid="group"][data-group="browser-replay"]').waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a message produced through another instance appears on this instance\'s live Consume page', async () => {
  // A second instance (its own group, so it does not take this instance's partitions) is only
  // used to produce: its POST lands in Kafka, and this instance's consumer pushes it to the page.
  const other = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'other-instance-group', KAFKA_TOPIC: 'live-topic', INSTANCE_ID: 'other-instance' } });
  const { page, problems, navigations, close } = await openPage();
  try {
    await waitFor('other instance ready', async () => (await fetch(`${other.url}/readyz`)).status === 200, 30_000);
    await page.goto(`${app.url}/consume`);
    await page.getByTestId('live-note').waitFor({ state: 'visible' });
    const loaded = navigations();
    const reply = await new Client(other.url).postJson('/api/messages', { value: 'from the other instance' });
    assert.equal(reply.status, 201);
    await page.getByTestId('message-value').filter({ hasText: 'from the other instance' }).first().waitFor({ timeout: 15_000 });
    const row = page.getByTestId('message-row').filter({ hasText: 'from the other instance' }).first();
    assert.equal((await row.getByTestId('message-instance').innerText()).trim(), app.instanceId, 'consumed here');
    assert.equal(navigations(), loaded, 'the page was never reloaded');
    assert.deepEqual(problems, []);
  } finally {
    await close();
    await other.stop();
  }
});
