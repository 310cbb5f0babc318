/**
 * Record batches the app cannot decode (a corrupt zstd payload, gzip that inflates to garbage,
 * a record that fails processing) must not stop the group: each shows on the Consume page as
 * undecodable with its partition, offsets and reason, is counted in /metrics, is committed past,
 * and every partition keeps being consumed. Before, one such batch crashed the consumer run in a
 * loop and no partition was consumed any more.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';
import { RawConnection, compressedBatch, produceRequest, readProduceError } from '../helpers/raw-client.js';
import { murmur2Partition } from '../compat/helpers.js';
import { createLogger } from '../../src/logger.js';
import { createKafkaGateway } from '../../src/kafka/gateway/index.js';
import { ConsumerWorker } from '../../src/kafka/consumer-worker.js';
import { MessageStore } from '../../src/messages/store.js';

const TOPIC = 'poison-topic';

let broker: SuiteBroker;
let app: RunningApp;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_TOPIC: TOPIC, KAFKA_GROUP_ID: 'poison-group', MESSAGES_CAPACITY: '500' } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
});

after(async () => {
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

async function rawProduce(partition: number, batch: Buffer): Promise<bigint> {
  const conn = await RawConnection.connect(broker.port);
  try {
    conn.write(produceRequest(7, 1, TOPIC, partition, batch));
    const res = await conn.nextResponse();
    const r = readProduceError(res.body);
    assert.equal(r.errorCode, 0, `raw produce to partition ${partition}`);
    return r.baseOffset;
  } finally {
    conn.destroy();
  }
}

/** Keys that the murmur2 partitioner puts on each of the three partitions. */
function keyFor(partition: number, tag: string): string {
  for (let i = 0; ; i++) if (murmur2Partition(TOPIC, `${tag}-${i}`) === partition) return `${tag}-${i}`;
}

test('undecodable batches are shown, counted and committed past, and all partitions keep being consumed', async () => {
  const client = new Client(app.url);
  // The topic exists (with its three partitions) once the app has produced to it.
  for (const p of [0, 1, 2]) assert.equal((await client.postJson('/api/messages', { topic: TOPIC, key: keyFor(p, 'before'), value: `before ${p}` })).status, 201);
  await waitFor('first messages consumed', () => app.store.size === 3);

  const corruptZstd = await rawProduce(1, compressedBatch(4, Buffer.from('<b>not zstd</b> at all, just bytes'), 3));
  const garbageGzip = await rawProduce(2, compressedBatch(1, gzipSync(Buffer.from('\u00ff\u00ff\u00ff\u00ff garbage records', 'latin1')), 2));

  const after = [0, 1, 2].map((p) => ({ key: keyFor(p, 'after'), value: `after ${p}` }));
  for (const m of after) assert.equal((await client.postJson('/api/messages', { topic: TOPIC, ...m })).status, 201);

  await waitFor(
    'messages after the bad batches consumed on every partition, and both bad batches reported',
    () => {
      const all = app.store.newestFirst();
      return after.every((m) => all.some((s) => s.value === m.value)) && all.filter((s) => s.undecodable).length === 2;
    },
    30_000,
  );
  const bad = app.store.newestFirst().filter((s) => s.undecodable);
  const zstd = bad.find((s) => s.partition === 1)!;
  const gzip = bad.find((s) => s.partition === 2)!;
  assert.equal(zstd.undecodable!.firstOffset, String(corruptZstd));
  assert.equal(zstd.offset, String(corruptZstd + 2n), 'the report sits on the last offset of the batch');
  assert.equal(zstd.undecodable!.records, 3);
  assert.match(zstd.undecodable!.reason, /^zstd decompression failed: /);
  assert.equal(gzip.offset, String(garbageGzip + 1n));
  assert.match(gzip.undecodable!.reason, /^gzip batch decompressed to /);

  const page = (await client.get('/consume')).text;
  const rows = [...page.matchAll(/<tr data-testid="message-row" data-undecodable>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
  assert.equal(rows.length, 2);
  const zstdRow = rows.find((r) => r.includes('zstd decompression failed'))!;
  assert.ok(zstdRow, 'the zstd batch is on the page with its reason');
  assert.match(zstdRow, /<td class="text-end">1<\/td>/, 'partition shown');
  assert.ok(unescapeHtml(zstdRow).includes(`offsets ${corruptZstd}–${corruptZstd + 2n} (3 record(s)) could not be read and were skipped`));
  assert.ok(zstdRow.includes('data-testid="undecodable">Undecodable</span>'));

  const api = (await client.get('/api/messages')).json<{ messages: Array<{ partition: number; undecodable?: { reason: string } }> }>();
  assert.equal(api.messages.filter((m) => m.undecodable !== undefined).length, 2);
  assert.ok(api.messages.filter((m) => m.undecodable === undefined).every((m) => !('undecodable' in m)));

  const metrics = (await client.get('/metrics')).text;
  assert.match(metrics, new RegExp(`^kafka_web_demo_messages_undecodable_total\\{topic="${TOPIC}"\\} 2$`, 'm'));
  // Committed past: nothing left to read on any partition, and the consumer never crashed.
  await waitFor('group committed past the bad batches', async () => (await app.admin.groupLag('poison-group', TOPIC)).every((p) => p.lag === 0n));
  assert.equal(app.consumer.status().restarts, 0);
  assert.equal(app.consumer.status().undecodable, 2);
  assert.equal((await client.get('/readyz')).status, 200);
});

test('a record whose processing throws is shown as undecodable and committed past; the partition goes on', async () => {
  const topic = 'processing-topic';
  for (const value of ['ok 1', 'boom', 'ok 2']) {
    const sent = await app.producer.send({ topic, key: 'same-partition', value });
    assert.equal(sent.ok, true);
  }
  const logger = createLogger('silent');
  const gateway = createKafkaGateway({ brokers: [broker.address], clientId: 'processing-test', connectionTimeoutMs: 1000, requestTimeoutMs: 3000, logger });
  const store = new MessageStore(10);
  const worker = new ConsumerWorker({
    gateway,
    logger,
    store,
    topic,
    groupId: 'processing-group',
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
    instanceId: () => 'processing-instance',
    hooks: {
      beforeStore: (record) => {
        if (record.value === 'boom') throw new Error('handler <b>exploded</b>');
      },
    },
  });
  worker.start();
  try {
    await waitFor('all three handled', () => store.size === 3, 30_000);
    const [last, failed, first] = store.newestFirst();
    assert.equal(first!.value, 'ok 1');
    assert.equal(failed!.value, null);
    assert.equal(failed!.undecodable?.reason, 'processing failed: handler <b>exploded</b>');
    assert.equal(failed!.offset, String(BigInt(first!.offset) + 1n));
    assert.equal(last!.value, 'ok 2');
    await waitFor('committed past it', async () => (await app.admin.groupLag('processing-group', topic)).every((p) => p.lag === 0n));
    assert.equal(worker.status().restarts, 0);
    assert.equal(worker.status().undecodable, 1);
  } finally {
    await worker.stop();
  }
});

test('the Consume page escapes the reason of an undecodable record', async () => {
  // The reason may quote a handler's error message, i.e. data; it is rendered as text.
  app.store.add({
    receivedAt: new Date(),
    topic: TOPIC,
    partition: 0,
    offset: '99',
    key: null,
    value: null,
    headers: {},
    instance: app.instanceId,
    group: 'poison-group',
    undecodable: { reason: 'processing failed: <img src=x onerror=alert(1)>', firstOffset: '99', lastOffset: '99', records: 1 },
  });
  const page = (await new Client(app.url).get('/consume')).text;
  assert.ok(page.includes('processing failed: &lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!page.includes('<img src=x'));
});
