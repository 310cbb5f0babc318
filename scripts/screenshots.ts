// Regenerates the README screenshots: `npx tsx scripts/screenshots.ts` (needs /usr/bin/chromium).
// Starts a throw-away embedded broker and one app instance, sends a few messages, and captures
// the Produce (after a send), Consume and Cluster pages into docs/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startTestApp, startTestBroker, waitFor } from '../test/app/harness.js';

const out = path.resolve('docs/screenshots');
fs.mkdirSync(out, { recursive: true });
const broker = await startTestBroker();
const app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'screenshot-group', INSTANCE_ID: 'localhost:6001' } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
  for (const [key, value] of [['order-1', '{"item":"coffee","qty":2}'], ['', 'hello from the API'], ['user-7', '<b>escaped, not bold</b>']]) {
    await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(key ? { key, value } : { value }),
    });
  }
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'en-US' })).newPage();
  await page.goto(`${app.url}/produce`);
  await page.fill('#message', 'Hello, Kafka!');
  await page.click('button[type=submit]');
  await page.waitForSelector('.alert');
  await page.screenshot({ path: path.join(out, 'produce.png') });
  await waitFor('4 messages consumed', async () => {
    const r = (await (await fetch(`${app.url}/api/messages`)).json()) as { messages: unknown[] };
    return r.messages.length >= 4;
  });
  await page.goto(`${app.url}/consume`);
  await page.screenshot({ path: path.join(out, 'consume.png') });
  await page.goto(`${app.url}/cluster`);
  await page.screenshot({ path: path.join(out, 'cluster.png'), fullPage: true });
  console.log(`screenshots written to ${path.relative(process.cwd(), out)} (${os.hostname()})`);
} finally {
  await browser.close();
  await app.stop();
  await broker.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
}
