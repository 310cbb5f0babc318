/**
 * The live Consume page in a real browser shows what the server-rendered page shows for hostile
 * data from other producers: a batch the app cannot decode as an "Undecodable" row with its
 * offsets and reason (as text), and a key longer than the preview cut like a long value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Browser } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { Client, waitFor, type SuiteBroker } from '../app/harness.js';
import { RawConnection, compressedBatch, produceRequest, readProduceError } from '../helpers/raw-client.js';
import { openPage as openSuitePage, startBrowserSuite, stopBrowserSuite } from './suite.js';

const TOPIC = 'undecodable-live';
let broker: SuiteBroker;
let app: RunningApp;
let browser: Browser;

before(async () => {
  ({ broker, app, browser } = await startBrowserSuite({ KAFKA_GROUP_ID: 'undecodable-live-group', KAFKA_TOPIC: TOPIC }));
});

after(() => stopBrowserSuite({ broker, app, browser }));

test('undecodable batches and long foreign keys appear live, as text', async () => {
  // The topic exists once the app has produced to it.
  assert.equal((await new Client(app.url).postJson('/api/messages', { value: 'first' })).status, 201);
  await waitFor('first consumed', () => app.store.size === 1);

  const { page, problems, close } = await openSuitePage(browser);
  try {
    await page.goto(`${app.url}/consume`);
    await page.getByTestId('live-note').waitFor({ state: 'visible' });

    const conn = await RawConnection.connect(broker.port);
    try {
      conn.write(produceRequest(7, 1, TOPIC, 0, compressedBatch(4, Buffer.from('<b>not zstd</b>'), 2)));
      assert.equal(readProduceError((await conn.nextResponse()).body).errorCode, 0);
    } finally {
      conn.destroy();
    }
    const row = page.locator('tr[data-undecodable]');
    await row.first().waitFor({ timeout: 20_000 });
    const text = await row.first().getByTestId('message-value').innerText();
    assert.match(text, /^Undecodable offsets \d+–\d+ \(2 record\(s\)\) could not be read and were skipped: zstd decompression failed: /);
    assert.equal(await row.first().locator('b').count(), 0);

    // A key far longer than our own cap, from another producer (the app's API would refuse it).
    const { Kafka, logLevel } = (await import('kafkajs')).default;
    const producer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, messages: [{ key: 'k'.repeat(5000), value: 'long key', partition: 1 }] });
    } finally {
      await producer.disconnect();
    }
    const keyRow = page.getByTestId('message-row').filter({ hasText: 'long key' });
    await keyRow.first().waitFor({ timeout: 20_000 });
    const keyCell = (await keyRow.first().locator('td').nth(3).innerText()).trim();
    assert.equal(keyCell, `${'k'.repeat(2000)}… (5000 bytes in total; the API returns the full value)`);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
