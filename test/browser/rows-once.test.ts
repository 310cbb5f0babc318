/**
 * Each live row is the row the server renders, to the byte: the Consume page's stream, the
 * group view's poller and the topic browser's live tail fill the page's <template> (the row
 * partial rendered once more), and what they add must be the same HTML as that partial rendered
 * with the same data on the server. The data covers every branch of the partials (null key and
 * value, cut key and value, headers and none, JSON and binary, an undecodable batch, several
 * members and groups), so a change made to one path and not the other fails here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Message } from 'kafkajs';
import { type Browser, type Page } from 'playwright-core';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, waitFor, type SuiteBroker } from '../app/harness.js';
import { RawConnection, compressedBatch, produceRequest, readProduceError } from '../helpers/raw-client.js';
import { openPage as openSuitePage, startBrowserSuite, stopBrowserSuite } from './suite.js';

const TOPIC = 'rows-once';
const GROUP = 'rows-once-group';
let broker: SuiteBroker;
let app: RunningApp;
let browser: Browser;

before(async () => {
  ({ broker, app, browser } = await startBrowserSuite({ KAFKA_GROUP_ID: GROUP, KAFKA_TOPIC: TOPIC }));
});

after(() => stopBrowserSuite({ broker, app, browser }));

const openPage = () => openSuitePage(browser);

/** The page as the server renders it now, parsed by the same browser: the no-JavaScript view. */
async function rendered(page: Page, path: string, selector: string): Promise<string[]> {
  const res = await new Client(app.url).get(path, { 'accept-language': 'en-US' });
  assert.equal(res.status, 200);
  return page.evaluate(
    ({ html, selector }) => [...new DOMParser().parseFromString(html, 'text/html').querySelectorAll(selector)].map((n) => n.outerHTML),
    { html: res.text, selector },
  );
}

const live = (page: Page, selector: string) => page.locator(selector).evaluateAll((nodes) => nodes.map((n) => n.outerHTML));

/** Produces as another client would: nulls, long keys, binary and JSON are not what our form sends. */
async function produceForeign(topic: string, messages: Message[]): Promise<void> {
  const producer = new kafkajs.Kafka({ brokers: [broker.address], logLevel: kafkajs.logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

test('a row the Consume stream adds is the row the page renders for the same message', async () => {
  assert.equal((await new Client(app.url).postJson('/api/messages', { value: 'makes the topic' })).status, 201);
  await waitFor('first consumed', () => app.store.size === 1);
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}/consume`);
    await page.getByTestId('live-note').waitFor({ state: 'visible' });
    const before = await page.getByTestId('message-row').count();

    await produceForeign(TOPIC, [
      { key: null, value: '<b>no key</b>', headers: { '<i>h</i>': 'a & b', second: '' }, partition: 0 },
      { key: 'é'.repeat(2100), value: null, partition: 1 },
      { key: 'cut value', value: 'ü'.repeat(2100), partition: 2 },
    ]);
    assert.equal((await new Client(app.url).postJson('/api/messages', { key: 'k', value: 'with headers', headers: { 'x-trace': '<t1>' } })).status, 201);
    const conn = await RawConnection.connect(broker.port);
    try {
      conn.write(produceRequest(7, 1, TOPIC, 0, compressedBatch(4, Buffer.from('<b>not zstd</b>'), 2)));
      assert.equal(readProduceError((await conn.nextResponse()).body).errorCode, 0);
    } finally {
      conn.destroy();
    }
    await waitFor('every message consumed', () => app.store.size === 6);
    const rows = '#messages-body > tr';
    await waitFor('every message on the page', async () => (await page.locator(rows).count()) === before + 5, 20_000);

    const shown = await live(page, rows);
    const server = await rendered(page, '/consume', rows);
    assert.equal(server.length, shown.length);
    // The live ones are the newest: compare them with the server's rows in the same places.
    assert.deepEqual(shown.slice(0, 5), server.slice(0, 5));
    assert.ok(shown.some((r) => r.includes('data-undecodable')), 'the undecodable branch was compared');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the tables the group view\'s poller puts in are the tables the page renders', async (t) => {
  // A second member in another group: two cards, a member that is not "this instance".
  const other = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'rows-once-other', KAFKA_TOPIC: TOPIC, INSTANCE_ID: 'rows-once-other' } });
  t.after(() => other.stop());
  await waitFor('other instance running', () => other.consumer.status().state === 'running', 30_000);
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}/cluster`);
    await page.evaluate(() => {
      (window as unknown as { firstTables: Element | null }).firstTables = document.getElementById('cluster-data');
    });
    await waitFor(
      'the poller replaced the tables',
      () => page.evaluate(() => document.getElementById('cluster-data') !== (window as unknown as { firstTables: Element | null }).firstTables),
      15_000,
    );
    // Offsets and members can move between a poll and a render; wait for a moment they agree.
    let last: { shown: string[]; server: string[] } = { shown: [], server: [] };
    const agreed = await waitFor(
      'polled tables equal to rendered ones',
      async () => {
        last = { shown: await live(page, '#cluster-data'), server: await rendered(page, '/cluster', '#cluster-data') };
        return last.shown.length === 1 && last.shown[0] === last.server[0];
      },
      20_000,
    ).catch(() => false);
    if (!agreed) assert.deepEqual(last.shown, last.server, 'the poller\'s tables differ from the rendered ones');
    assert.ok(last.shown[0]!.includes('data-group="rows-once-other"'), 'both groups compared');
    assert.ok(last.shown[0]!.includes('this instance'), 'the "this instance" badge compared');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a row the topic browser\'s live tail adds is the row the page renders for the same record', async () => {
  const topic = 'rows-once-browse';
  await produceForeign(topic, [{ key: 'there before', value: 'old' }]);
  const path = `/topics/${topic}?from=end&limit=100&live=1`;
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${app.url}${path}`);
    const rows = '#browse-body > tr';
    await page.locator(rows).first().waitFor();
    const before = await page.locator(rows).count();

    await produceForeign(topic, [
      { key: null, value: '{"a":[1,2],"b":"<b>bold?</b>"}', headers: { json: '{"x":1}', bin: Buffer.from([0, 1, 255]) } },
      { key: Buffer.from([0xff, 0xfe]), value: null },
      { key: 'long', value: 'x'.repeat(2500), headers: { long: 'h'.repeat(600) } },
      { key: '<img src=x onerror=alert(1)>', value: '' },
    ]);
    await waitFor('the live rows', async () => (await page.locator(rows).count()) === before + 4, 20_000);

    const at = (html: string) => /data-partition="(\d+)" data-offset="(\d+)"/.exec(html)?.slice(1).join('@');
    const server = new Map((await rendered(page, path, rows)).map((r) => [at(r), r]));
    const shown = await live(page, rows);
    assert.equal(shown.length, before + 4);
    for (const row of shown) assert.equal(row, server.get(at(row)), `row ${at(row)}`);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
