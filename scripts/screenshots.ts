// Regenerates the README screenshots: `npx tsx scripts/screenshots.ts` (needs /usr/bin/chromium).
// Starts a throw-away embedded broker and two app instances in one group, sends a few messages
// (with headers and a burst), and captures the Produce (after a send), Consume, Topics (the
// topic browser) and Cluster (with its live pictures) pages into docs/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, startSuiteBroker, waitFor } from '../test/app/harness.js';
import { launchChromium } from '../test/helpers/chromium.js';

const out = path.resolve('docs/screenshots');
fs.mkdirSync(out, { recursive: true });
const broker = await startSuiteBroker();
const app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'screenshot-group', INSTANCE_ID: 'localhost:6001' } });
const browser = await launchChromium();
let second: Awaited<ReturnType<typeof startTestApp>> | undefined;
const post = (body: Record<string, unknown>) =>
  fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
try {
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
  second = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'screenshot-group', INSTANCE_ID: 'localhost:6002' } });
  await waitFor('second instance ready', async () => (await fetch(`${second!.url}/readyz`)).status === 200, 30_000);
  await waitFor('group split', () => app.consumer.status().partitions.length > 0 && app.consumer.status().partitions.length < 3, 30_000);
  await post({ key: 'order', value: 'burst item', count: 60 });
  await post({ key: 'order-1', value: '{"item":"coffee","qty":2}', headers: { 'content-type': 'application/json', 'trace-id': 'c0ffee' } });
  await post({ value: 'hello from the API' });
  await post({ key: 'user-7', value: '<b>escaped, not bold</b>' });
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-US' })).newPage();
  await page.goto(`${app.url}/produce`);
  await page.fill('#message', 'Hello, Kafka!');
  await page.fill('#header-name-0', 'source');
  await page.fill('#header-value-0', 'browser');
  await page.click('button[type=submit]');
  await page.waitForSelector('.alert');
  await page.screenshot({ path: path.join(out, 'produce.png') });
  await waitFor('some messages consumed here', async () => {
    const r = (await (await fetch(`${app.url}/api/messages`)).json()) as { messages: Array<{ value: string }> };
    return r.messages.some((m) => m.value === 'Hello, Kafka!') || r.messages.length >= 10;
  });
  await page.goto(`${app.url}/consume`);
  await page.screenshot({ path: path.join(out, 'consume.png') });
  await page.goto(`${app.url}/topics/test-topic?limit=10`);
  await page.screenshot({ path: path.join(out, 'topics.png') });
  await page.goto(`${app.url}/cluster`);
  await page.locator('[data-testid="pictures"]').screenshot({ path: path.join(out, 'cluster-pictures.png') });
  await page.screenshot({ path: path.join(out, 'cluster.png'), fullPage: true });
  console.log(`screenshots written to ${path.relative(process.cwd(), out)} (${os.hostname()})`);
} finally {
  await browser.close();
  await second?.stop();
  await app.stop();
  await broker.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
}
